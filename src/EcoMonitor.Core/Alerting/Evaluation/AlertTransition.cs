using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// One state change of one (rule, series): what the store writes as measurement <c>alert</c>
/// (docs/schema.md#alert-transitions) and what the notification module receives. Emitted once per change, never once
/// per reading.
/// </summary>
/// <param name="Severity">
/// The severity of the level concerned: the new level on firing, escalation and de-escalation;
/// the level that was firing on resolution; the level that started it for pending.
/// </param>
/// <param name="Metric">Null for a deadman rule that watches a whole device.</param>
/// <param name="Value">
/// The reading that caused the change. Deadman rules have no reading value: it is the silence in
/// seconds (both fields stay numeric, as the store needs).
/// </param>
/// <param name="Threshold">
/// The limit of the level concerned (for <c>outside</c>, the end nearer the value); for deadman,
/// the rule's silence in seconds.
/// </param>
/// <param name="At">
/// Event time: the timestamp of the reading that caused the change. Deadman runs on the receive
/// clock instead, so its transitions carry receive time (last receipt + silence when firing, the
/// receipt of the reading when resolving).
/// </param>
/// <param name="Late">
/// <see cref="At"/> was older than the evaluator's late threshold when the transition was found
/// (a replayed backlog): the notification module groups late transitions rather than send a storm.
/// </param>
public sealed record AlertTransition(
    string RuleName,
    AlertSeverity Severity,
    SensorKind Kind,
    string Site,
    string Device,
    string? Metric,
    AlertState From,
    AlertState To,
    double Value,
    double Threshold,
    DateTimeOffset At,
    bool Late)
{
    /// <summary>
    /// Whether a notification is due: entering, changing or leaving firing. Pending and its
    /// cancellation are recorded (dashboards show them) but page nobody.
    /// </summary>
    public bool IsNotifiable => From == AlertState.Firing || To == AlertState.Firing;
}
