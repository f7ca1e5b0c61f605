using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Rules;

/// <summary>
/// One rule of the rules file (docs/alert-rules.md#rule-keys), validated: an evaluator can trust every field.
/// Scope is <see cref="Kind"/> + <see cref="Metric"/> + <see cref="Site"/>/<see cref="Device"/> globs;
/// what fires is <see cref="Condition"/>. State is kept per (rule, device).
/// </summary>
public sealed record AlertRule
{
    public required string Name { get; init; }

    /// <summary>Null for <c>"*"</c>: every kind that has <see cref="Metric"/>.</summary>
    public SensorKind? Kind { get; init; }

    /// <summary>Null when the condition needs no single metric (deadman of a whole device, AQI, profiles).</summary>
    public string? Metric { get; init; }

    public Glob Site { get; init; } = Glob.Any;

    public Glob Device { get; init; } = Glob.Any;

    public required AlertCondition Condition { get; init; }

    /// <summary>How long the condition must hold before pending becomes firing; null fires at once.</summary>
    public TimeSpan? For { get; init; }

    /// <summary>
    /// The severity of a single-severity rule; for a rule with <c>levels</c>, the highest severity
    /// it can raise (each level carries its own in <see cref="ThresholdLevel.Severity"/>).
    /// </summary>
    public required AlertSeverity Severity { get; init; }

    public string? Description { get; init; }

    /// <summary>
    /// <c>public: true</c>: the rule's alerts are published in the public early-warning feed
    /// (docs/feed.md). Profiles pass it on to every rule they expand into.
    /// </summary>
    public bool Public { get; init; }

    /// <summary>The headline of the rule's public warnings, in Chinese and English; null: one made from the metric.</summary>
    public PublicText? PublicTitle { get; init; }

    /// <summary>Line of the rule in the file (1-based), so runtime messages can point at it.</summary>
    public int Line { get; init; }

    /// <summary>True when the rule applies to a reading of this series.</summary>
    public bool Matches(SensorKind kind, string metric, string site, string device) =>
        (Kind is null || Kind == kind)
        && (Metric is null || string.Equals(Metric, metric, StringComparison.Ordinal))
        && Site.IsMatch(site)
        && Device.IsMatch(device);
}
