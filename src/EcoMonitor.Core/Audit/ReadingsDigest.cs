using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Audit;

/// <summary>
/// The SHA-256 a <c>readings</c> record vouches for (docs/audit.md#readings-digests): one line per
/// reading, <c>{measurement},device={device},site={site} {metric}={value:R} {timestampMs}</c>,
/// unescaped; repeated lines counted once; sorted ordinally, joined with '\n', UTF-8, lowercase hex.
/// Recomputable from points read back from a store.
/// </summary>
public static class ReadingsDigest
{
    /// <summary>Where a reading lives in the store, with its value.</summary>
    public static StoredPoint PointOf(Reading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        return new StoredPoint(new PointKey(reading.Kind.ToName(), reading.Site, reading.Device, reading.Metric, reading.TimestampMs), reading.Value);
    }

    /// <summary>The canonical line of one point.</summary>
    public static string Line(StoredPoint point) =>
        Line(point.Key.Measurement, point.Key.Site, point.Key.Device, point.Key.Metric, point.Value, point.Key.TimestampMs);

    /// <summary>The canonical line of one reading, as <see cref="Line(StoredPoint)"/> of <see cref="PointOf"/> gives it.</summary>
    public static string Line(Reading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        return Line(reading.Kind.ToName(), reading.Site, reading.Device, reading.Metric, reading.Value, reading.TimestampMs);
    }

    /// <summary>
    /// A store batch in canonical form, in one pass over its readings (each line formatted once,
    /// sorted with the readings alongside, repeats dropped as adjacent): the content, the distinct
    /// count, the count per site and the time range of the distinct points. Null for no readings.
    /// </summary>
    public static CanonicalBatch? Batch(IReadOnlyList<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        if (readings.Count == 0)
        {
            return null;
        }

        var lines = new string[readings.Count];
        var items = new Reading[readings.Count];
        for (var i = 0; i < lines.Length; i++)
        {
            items[i] = readings[i];
            lines[i] = Line(items[i]);
        }

        Array.Sort(lines, items, StringComparer.Ordinal);
        var sites = new Dictionary<string, long>(StringComparer.Ordinal);
        var (count, bytes, from, to) = (0, 0, long.MaxValue, long.MinValue);
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0 && string.Equals(lines[i], lines[i - 1], StringComparison.Ordinal))
            {
                lines[i - 1] = null!;
                continue;
            }

            count++;
            bytes += Encoding.UTF8.GetByteCount(lines[i]) + 1;
            var reading = items[i];
            sites[reading.Site] = sites.GetValueOrDefault(reading.Site) + 1;
            from = Math.Min(from, reading.TimestampMs);
            to = Math.Max(to, reading.TimestampMs);
        }

        // The distinct lines joined with '\n', encoded straight into the content.
        var content = new byte[bytes - 1];
        var at = 0;
        foreach (var line in lines)
        {
            if (line is null)
            {
                continue;
            }

            if (at > 0)
            {
                content[at++] = (byte)'\n';
            }

            at += Encoding.UTF8.GetBytes(line, content.AsSpan(at));
        }

        return new CanonicalBatch(content, count, sites, from, to);
    }

    private static string Line(string measurement, string site, string device, string metric, double value, long timestampMs) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{measurement},device={device},site={site} {metric}={value.ToString("R", CultureInfo.InvariantCulture)} {timestampMs}");

    /// <summary>The distinct canonical lines of <paramref name="points"/>, sorted ordinally.</summary>
    public static IReadOnlyList<string> Lines(IEnumerable<StoredPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return [.. points.Select(Line).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The bytes the digest is taken over: the lines joined with '\n', UTF-8 (also what the log keeps as the batch's attachment).</summary>
    public static byte[] Content(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    /// <summary>The digest of canonical lines as <see cref="Lines"/> gives them.</summary>
    public static string Hash(IReadOnlyList<string> lines) => Hash(Content(lines));

    /// <summary>The digest of <see cref="Content"/>'s bytes.</summary>
    public static string Hash(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>
    /// The points of <see cref="Content"/>'s bytes, or null when a line is not canonical (site,
    /// device and metric names hold no space, comma or '=', so a line splits one way only).
    /// </summary>
    public static List<StoredPoint>? ParseContent(ReadOnlySpan<byte> content)
    {
        var points = new List<StoredPoint>();
        if (content.IsEmpty)
        {
            return points;
        }

        foreach (var line in Encoding.UTF8.GetString(content).Split('\n'))
        {
            if (ParseLine(line) is not { } point)
            {
                return null;
            }

            points.Add(point);
        }

        return points;
    }

    /// <summary>The point of one canonical line, or null when it is not one.</summary>
    public static StoredPoint? ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Split(' ');
        if (parts.Length != 3)
        {
            return null;
        }

        var tags = parts[0].Split(',');
        var field = parts[1].Split('=');
        if (tags.Length != 3 || !tags[1].StartsWith("device=", StringComparison.Ordinal) || !tags[2].StartsWith("site=", StringComparison.Ordinal) || field.Length != 2
            || !double.TryParse(field[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var timestamp))
        {
            return null;
        }

        var point = new StoredPoint(new PointKey(tags[0], tags[2]["site=".Length..], tags[1]["device=".Length..], field[0], timestamp), value);
        return Line(point) == line ? point : null;
    }

    public static string Compute(IEnumerable<StoredPoint> points) => Hash(Lines(points));

    public static string Compute(IEnumerable<Reading> readings) => Compute(readings.Select(PointOf));
}

/// <summary>A store batch in canonical form (<see cref="ReadingsDigest.Batch"/>).</summary>
/// <param name="Content">The distinct lines, sorted, joined with '\n', UTF-8: what the digest is over.</param>
public sealed record CanonicalBatch(byte[] Content, int Count, IReadOnlyDictionary<string, long> Sites, long FromMs, long ToMs)
{
    public string Sha256 => ReadingsDigest.Hash(Content);
}
