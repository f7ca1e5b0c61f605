using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Alerting;

/// <summary>The alert engine's audit records: transitions, acknowledgements, rules files (docs/audit.md#records).</summary>
internal static class AlertAuditRecords
{
    /// <summary>
    /// <c>{rule, series: {kind, site, device, metric}, from, to, severity, value, threshold, received}</c>
    /// at the transition's event time; <c>received</c> is when the engine found it.
    /// </summary>
    public static AuditRecord Transition(AlertTransition transition, DateTimeOffset received) =>
        new(AuditRecordTypes.Alert, transition.At, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["rule"] = transition.RuleName,
            ["series"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["kind"] = transition.Kind.ToName(),
                ["site"] = transition.Site,
                ["device"] = transition.Device,
                ["metric"] = transition.Metric,
            },
            ["from"] = StateName(transition.From),
            ["to"] = StateName(transition.To),
            ["severity"] = transition.Severity.ToName(),
            ["value"] = transition.Value,
            ["threshold"] = transition.Threshold,
            ["received"] = received,
        });

    /// <summary><c>{alert, officer, comment}</c>: an officer acknowledged a firing alert.</summary>
    public static AuditRecord Acknowledgement(string alertId, string officer, string? comment, DateTimeOffset at) =>
        new(AuditRecordTypes.Acknowledgement, at, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["alert"] = alertId,
            ["officer"] = officer,
            ["comment"] = comment,
        });

    /// <summary>
    /// <c>{file, sha256, added, removed, changed}</c>: the rules file loaded (all its rules added) or
    /// changed; a rule is changed when its fingerprint is. Names sorted ordinally.
    /// </summary>
    public static AuditRecord Rules(string file, string? sha256, IReadOnlyList<AlertRule> before, IReadOnlyList<AlertRule> after, DateTimeOffset at)
    {
        var old = before.ToDictionary(r => r.Name, AlertEvaluator.FingerprintOf, StringComparer.Ordinal);
        var now = after.ToDictionary(r => r.Name, AlertEvaluator.FingerprintOf, StringComparer.Ordinal);
        return new(AuditRecordTypes.Rules, at, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["file"] = file,
            ["sha256"] = sha256,
            ["added"] = Sorted(now.Keys.Where(n => !old.ContainsKey(n))),
            ["removed"] = Sorted(old.Keys.Where(n => !now.ContainsKey(n))),
            ["changed"] = Sorted(now.Where(p => old.TryGetValue(p.Key, out var was) && was != p.Value).Select(p => p.Key)),
        });
    }

    private static string[] Sorted(IEnumerable<string> names) => [.. names.Order(StringComparer.Ordinal)];

    private static string StateName(AlertState state) => state.ToString().ToLowerInvariant();
}
