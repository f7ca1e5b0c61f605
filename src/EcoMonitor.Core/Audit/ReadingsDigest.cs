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
        string.Create(
            CultureInfo.InvariantCulture,
            $"{point.Key.Measurement},device={point.Key.Device},site={point.Key.Site} {point.Key.Metric}={point.Value.ToString("R", CultureInfo.InvariantCulture)} {point.Key.TimestampMs}");

    /// <summary>The distinct canonical lines of <paramref name="points"/>, sorted ordinally.</summary>
    public static IReadOnlyList<string> Lines(IEnumerable<StoredPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return [.. points.Select(Line).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The digest of canonical lines as <see cref="Lines"/> gives them.</summary>
    public static string Hash(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', lines))));
    }

    public static string Compute(IEnumerable<StoredPoint> points) => Hash(Lines(points));

    public static string Compute(IEnumerable<Reading> readings) => Compute(readings.Select(PointOf));
}
