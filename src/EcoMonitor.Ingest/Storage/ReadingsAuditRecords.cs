using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Ingest.Storage;

/// <summary>The <c>readings</c> record of one store batch (docs/audit.md#readings-digests).</summary>
internal static class ReadingsAuditRecords
{
    /// <summary>
    /// <c>{sha256, count, sites: {site: count}, from, to}</c> over the batch's distinct points, with
    /// the points' canonical lines as the attachment;
    /// alert transition lines are not readings. Null for a batch without readings.
    /// </summary>
    public static AuditRecord? Batch(IReadOnlyList<Reading> readings, DateTimeOffset at)
    {
        if (readings.Count == 0)
        {
            return null;
        }

        var points = readings.Select(ReadingsDigest.PointOf).DistinctBy(ReadingsDigest.Line, StringComparer.Ordinal).ToList();
        var lines = ReadingsDigest.Lines(points);
        var content = ReadingsDigest.Content(lines);
        var sites = points.GroupBy(p => p.Key.Site, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (object?)(long)g.Count(), StringComparer.Ordinal);
        return new AuditRecord(AuditRecordTypes.Readings, at, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["sha256"] = ReadingsDigest.Hash(content),
            ["count"] = (long)points.Count,
            ["sites"] = sites,
            ["from"] = DateTimeOffset.FromUnixTimeMilliseconds(points.Min(p => p.Key.TimestampMs)),
            ["to"] = DateTimeOffset.FromUnixTimeMilliseconds(points.Max(p => p.Key.TimestampMs)),
        })
        {
            // The points themselves, so that a verifier can name the one that changed (docs/audit.md#attachments).
            Attachment = content,
        };
    }
}
