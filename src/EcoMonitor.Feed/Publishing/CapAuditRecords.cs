using System.Security.Cryptography;
using EcoMonitor.Core.Audit;

namespace EcoMonitor.Feed.Publishing;

/// <summary>The feed's audit record (docs/audit.md#records).</summary>
internal static class CapAuditRecords
{
    /// <summary>
    /// <c>{identifier, sha256}</c> of a published CAP message, the hash over the exact XML bytes the
    /// feed serves. The message cannot name its own leaf; the Atom index does (docs/feed.md#audit-leaf).
    /// </summary>
    public static AuditRecord Published(string identifier, byte[] xml, DateTimeOffset at) =>
        new(AuditRecordTypes.Cap, at, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["identifier"] = identifier,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(xml)),
        });
}
