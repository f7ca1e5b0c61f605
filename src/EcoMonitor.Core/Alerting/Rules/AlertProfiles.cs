using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Rules;

/// <summary>
/// The built-in profiles of issue 5: a rule with <c>profile:</c> stands for the limits of a
/// standard. The parser validates names and parameters; <see cref="TryExpand"/> turns a profile
/// into concrete rules where the expansion is implemented (GB 3095-2026 so far).
/// </summary>
public static class AlertProfiles
{
    public const string Gb3095Grade2 = "gb3095-2026-grade2";
    public const string Gb3095Grade1 = "gb3095-2026-grade1";
    public const string Who2021 = "who-2021";
    public const string Gb3838 = "gb3838-class3";
    public const string Gb15618Other = "gb15618-other";
    public const string Gb15618Paddy = "gb15618-paddy";

    public static IReadOnlyList<string> Names { get; } = [Gb3095Grade2, Gb3095Grade1, Who2021, Gb3838, Gb15618Other, Gb15618Paddy];

    /// <summary>The medium a profile is about; a rule's <c>kind</c> must agree.</summary>
    public static SensorKind KindOf(string profile) => profile switch
    {
        Gb3838 => SensorKind.Water,
        Gb15618Other or Gb15618Paddy => SensorKind.Soil,
        _ => SensorKind.Air,
    };

    /// <summary>The parameter keys each profile takes (besides <c>name</c>).</summary>
    public static IReadOnlyList<string> ParametersOf(string profile) => profile switch
    {
        Gb3095Grade2 or Gb3095Grade1 => ["phase"],
        Who2021 => ["target"],
        Gb3838 => ["target_class", "waterbody"],
        _ => ["value", "ph"],
    };

    /// <summary>
    /// GB 3095-2026 Table 1 (standards.md §3.2) as rolling-window rules: daily limits as 24 h means
    /// of hourly values (valid with at least 20), O3 as the 8 h moving mean (at least 6 hourly
    /// values), 1 h limits as 1 h means. Annual limits are left out: they are reports, not alerts.
    /// Returns false for profiles whose expansion is not implemented yet.
    /// </summary>
    public static bool TryExpand(AlertRule rule, out IReadOnlyList<AlertRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rule);
        rules = [];
        if (rule.Condition is not ProfileCondition { Profile: Gb3095Grade1 or Gb3095Grade2 } profile)
        {
            return false;
        }

        var grade1 = profile.Profile == Gb3095Grade1;
        var final = profile.Parameters.Phase == "final";

        // (metric, period, limit): µg/m³, CO mg/m³.
        (string Metric, string Period, double Limit)[] limits = (grade1, final) switch
        {
            (false, false) => [("so2", "24h", 150), ("so2", "1h", 500), ("no2", "24h", 80), ("no2", "1h", 200), ("co", "24h", 4), ("co", "1h", 10), ("o3", "8h", 160), ("o3", "1h", 200), ("pm10", "24h", 120), ("pm25", "24h", 60)],
            (false, true) => [("so2", "24h", 50), ("so2", "1h", 150), ("no2", "24h", 50), ("no2", "1h", 200), ("co", "24h", 4), ("co", "1h", 10), ("o3", "8h", 160), ("o3", "1h", 200), ("pm10", "24h", 100), ("pm25", "24h", 50)],
            (true, false) => [("so2", "24h", 50), ("so2", "1h", 150), ("no2", "24h", 80), ("no2", "1h", 200), ("co", "24h", 4), ("co", "1h", 10), ("o3", "8h", 100), ("o3", "1h", 160), ("pm10", "24h", 50), ("pm25", "24h", 35)],
            (true, true) => [("so2", "24h", 50), ("so2", "1h", 150), ("no2", "24h", 50), ("no2", "1h", 200), ("co", "24h", 4), ("co", "1h", 10), ("o3", "8h", 100), ("o3", "1h", 160), ("pm10", "24h", 50), ("pm25", "24h", 25)],
        };

        var hour = TimeSpan.FromHours(1);
        rules = [.. limits.Select(l => rule with
        {
            Name = $"{rule.Name}/{l.Metric}-{l.Period}",
            Kind = SensorKind.Air,
            Metric = l.Metric,
            Condition = new ThresholdCondition(
                [new ThresholdLevel(rule.Severity, ThresholdDirection.Above, l.Limit)],
                l.Period switch
                {
                    "24h" => new WindowAggregate(AggregateFunction.Mean, TimeSpan.FromHours(24), hour, 20),
                    "8h" => new WindowAggregate(AggregateFunction.Mean, TimeSpan.FromHours(8), hour, 6),
                    _ => new WindowAggregate(AggregateFunction.Mean, hour, null, null),
                }),
        })];
        return true;
    }
}
