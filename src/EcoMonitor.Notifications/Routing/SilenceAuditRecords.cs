using EcoMonitor.Core.Audit;

namespace EcoMonitor.Notifications.Routing;

/// <summary>The <c>silence</c> records (docs/audit.md#records).</summary>
internal static class SilenceAuditRecords
{
    /// <summary><c>{id, change, matchers, by, until}</c>: a silence created or expired; matchers without the unset ones.</summary>
    public static AuditRecord Silence(Silence silence, string change, string by, DateTimeOffset at)
    {
        var m = silence.Match;
        var matchers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in new[] { ("severity", m.Severity), ("kind", m.Kind), ("site", m.Site), ("device", m.Device), ("rule", m.Rule), ("metric", m.Metric) })
        {
            if (value is not null)
            {
                matchers[key] = value;
            }
        }

        return new AuditRecord(AuditRecordTypes.Silence, at, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = silence.Id,
            ["change"] = change,
            ["matchers"] = matchers,
            ["by"] = by,
            ["until"] = silence.EndsAt,
        });
    }
}
