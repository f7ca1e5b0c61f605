using System.Globalization;
using EcoMonitor.Core.Audit;

namespace EcoMonitor.Audit.Log;

/// <summary>
/// The readings a log vouches for, for one site and time range (docs/audit.md#verifying-readings):
/// every <c>readings</c> record that names the site and overlaps the range gives its points (from
/// <c>attachments.bin</c>, checked against the record's SHA-256 and count), later records over
/// earlier ones; every <c>correction</c> record replaces its point's value. Problems are what keeps
/// the log from vouching: an attachment missing or altered, a correction of a point never logged
/// or of another value than the logged one.
/// </summary>
public sealed class LoggedReadings
{
    private LoggedReadings(Dictionary<PointKey, double> expected, int batches, int corrections, List<string> problems)
    {
        Expected = expected;
        Batches = batches;
        Corrections = corrections;
        Problems = problems;
    }

    /// <summary>Each point's value as the log vouches for it.</summary>
    public IReadOnlyDictionary<PointKey, double> Expected { get; }

    /// <summary>The <c>readings</c> records that gave points.</summary>
    public int Batches { get; }

    /// <summary>The <c>correction</c> records applied.</summary>
    public int Corrections { get; }

    public IReadOnlyList<string> Problems { get; }

    /// <summary>Reads the records of <paramref name="files"/> in order; throws <see cref="IOException"/> when a file cannot be read.</summary>
    public static LoggedReadings Load(AuditFiles files, string site, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentException.ThrowIfNullOrEmpty(site);
        var (first, last) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        var expected = new Dictionary<PointKey, double>();
        var problems = new List<string>();
        var (batches, corrections) = (0, 0);
        using var attachments = File.Exists(files.Attachments)
            ? new FileStream(files.Attachments, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)
            : null;
        var frames = (attachments is null ? [] : AttachmentFile.Scan(attachments).Frames).ToLookup(f => f.Sha256, StringComparer.Ordinal);
        using var log = new FileStream(files.Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var index = -1L;
        AuditFiles.ScanLines(log, (_, line) =>
        {
            index++;
            if (AuditFiles.ParseRecord(line).Record is not { } record)
            {
                return;
            }

            if (record.Type == AuditRecordTypes.Readings && Names(record, site, first, last))
            {
                batches++;
                foreach (var point in BatchPoints(index, record, attachments, frames, problems))
                {
                    if (point.Key.Site == site && point.Key.TimestampMs >= first && point.Key.TimestampMs <= last)
                    {
                        expected[point.Key] = point.Value;
                    }
                }
            }
            else if (record.Type == AuditRecordTypes.Correction)
            {
                if (ReadingCorrection.FromFields(record.Fields) is not { } correction)
                {
                    problems.Add($"record {index} (correction): not a correction (measurement, site, device, metric, time, old, new, by, reason)");
                }
                else if (correction.Key.Site == site && correction.Key.TimestampMs >= first && correction.Key.TimestampMs <= last)
                {
                    corrections++;
                    Apply(index, correction, expected, problems);
                }
            }
        });

        return new LoggedReadings(expected, batches, corrections, problems);
    }

    private static void Apply(long index, ReadingCorrection correction, Dictionary<PointKey, double> expected, List<string> problems)
    {
        if (!expected.TryGetValue(correction.Key, out var logged))
        {
            problems.Add($"record {index} (correction by {correction.By}): no readings record vouches for {correction.Key}");
        }
        else if (!ReadingsComparison.Same(logged, correction.Old))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"record {index} (correction by {correction.By}): {correction.Key} was {logged:R} in the log, the correction says {correction.Old:R}"));
        }

        // The officer's word is logged either way: the store should now hold the new value.
        expected[correction.Key] = correction.New;
    }

    // A batch names the site among its counts and overlaps the range.
    private static bool Names(AuditRecord record, string site, long first, long last) =>
        record.Fields.TryGetValue("sites", out var sites) && sites is IReadOnlyDictionary<string, object?> counts && counts.ContainsKey(site)
        && Time(record, "from") is { } from && Time(record, "to") is { } to && from <= last && to >= first;

    private static long? Time(AuditRecord record, string field) =>
        record.Fields.TryGetValue(field, out var value) && value is string text
        && DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUnixTimeMilliseconds()
            : null;

    private static List<StoredPoint> BatchPoints(long index, AuditRecord record, FileStream? attachments, ILookup<string, AttachmentLocation> frames, List<string> problems)
    {
        var sha256 = record.Fields.TryGetValue("sha256", out var value) ? value as string : null;
        var count = record.Fields.TryGetValue("count", out var n) && n is long c ? c : -1;
        if (sha256 is null)
        {
            problems.Add($"record {index} (readings): no sha256");
            return [];
        }

        var tried = false;
        foreach (var frame in frames[sha256])
        {
            tried = true;
            byte[] content;
            try
            {
                content = AttachmentFile.Read(attachments!, frame);
            }
            catch (InvalidDataException)
            {
                continue;
            }

            // The frame's header is not covered by the tree: only the content's hash binds it to the record.
            if (ReadingsDigest.Hash(content) != sha256 || ReadingsDigest.ParseContent(content) is not { } points)
            {
                continue;
            }

            if (points.Count != count)
            {
                problems.Add($"record {index} (readings): its attachment holds {points.Count} point(s), the record says {count}");
            }

            return points;
        }

        problems.Add(tried
            ? $"record {index} (readings, sha256 {sha256}): its points in attachments.bin were altered"
            : $"record {index} (readings, sha256 {sha256}): its points are not in attachments.bin (written before attachments were kept, or removed)");
        return [];
    }
}
