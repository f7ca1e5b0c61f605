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
        if (ReadingsDigest.Batch(readings) is not { } batch)
        {
            return null;
        }

        return new AuditRecord(AuditRecordTypes.Readings, at, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["sha256"] = batch.Sha256,
            ["count"] = (long)batch.Count,
            ["sites"] = batch.Sites.ToDictionary(s => s.Key, s => (object?)s.Value, StringComparer.Ordinal),
            ["from"] = DateTimeOffset.FromUnixTimeMilliseconds(batch.FromMs),
            ["to"] = DateTimeOffset.FromUnixTimeMilliseconds(batch.ToMs),
        })
        {
            // The points themselves, so that a verifier can name the one that changed (docs/audit.md#attachments).
            Attachment = batch.Content,
        };
    }
}
