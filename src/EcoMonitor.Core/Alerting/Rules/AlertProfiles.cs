using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Rules;

/// <summary>
/// The built-in profiles of issue 5: a rule with <c>profile:</c> stands for the limits of a
/// standard. The parser validates names and parameters; <see cref="TryExpand"/> turns a profile
/// into concrete rules (limit tables in <see cref="StandardLimits"/>).
/// </summary>
public static class AlertProfiles
{
    private static readonly string[] RomanClasses = ["I", "II", "III", "IV", "V"];

    private static readonly string[] SoilPhBandNames = ["pH ≤ 5.5", "5.5 < pH ≤ 6.5", "6.5 < pH ≤ 7.5", "pH > 7.5"];

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

    /// <summary>The soil catalog's pH metric, whose latest reading chooses a GB 15618 pH band.</summary>
    public const string SoilPhMetric = "ph";

    /// <summary>
    /// GB 15618-2018's pH band of <paramref name="ph"/>: 0 for ≤ 5.5, 1 for (5.5, 6.5], 2 for
    /// (6.5, 7.5], 3 for &gt; 7.5 (a band's upper edge belongs to it).
    /// </summary>
    public static int SoilPhBand(double ph) => ph <= 5.5 ? 0 : ph <= 6.5 ? 1 : ph <= 7.5 ? 2 : 3;

    /// <summary>
    /// Turns a profile rule into concrete rules named <c>profile-rule/item</c>, each keeping the
    /// rule's site and device globs, <c>for</c>, severity and line. Returns false for a rule that
    /// is not a profile. Limits are strict, as every threshold: a value at the limit meets it.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>GB 3095-2026 Table 1 and WHO 2021: rolling-window rules,
    /// daily limits as 24 h means of hourly values (valid with at least 20), O3 as the 8 h moving mean
    /// (at least 6 hourly values), 1 h limits as 1 h means. Annual and peak-season limits are left out:
    /// they are reports, not alerts. WHO's daily values are 99th percentiles (3–4 exceedance days a
    /// year); an alert is raised on every exceeding mean, the percentile is the report's business.</item>
    /// <item>GB 3838-2002 (§4): single-factor evaluation, every reading against the target class.</item>
    /// <item>GB 15618-2018 (§5): with <c>ph</c>, raw thresholds of that pH band; without it, one
    /// <see cref="SoilPhBandCondition"/> per pollutant, evaluated against the site's latest soil pH.</item>
    /// </list>
    /// </remarks>
    public static bool TryExpand(AlertRule rule, out IReadOnlyList<AlertRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rule);
        rules = rule.Condition is not ProfileCondition profile ? [] : profile.Profile switch
        {
            Gb3095Grade1 or Gb3095Grade2 => ExpandGb3095(rule, profile),
            Who2021 => ExpandWho(rule, profile.Parameters),
            Gb3838 => ExpandGb3838(rule, profile.Parameters),
            Gb15618Other or Gb15618Paddy => ExpandGb15618(rule, profile),
            _ => [],
        };
        return rules.Count > 0;
    }

    private static List<AlertRule> ExpandGb3095(AlertRule rule, ProfileCondition profile)
    {
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

        return [.. limits.Select(l => rule with
        {
            Name = $"{rule.Name}/{l.Metric}-{l.Period}",
            Kind = SensorKind.Air,
            Metric = l.Metric,
            Condition = new ThresholdCondition([new ThresholdLevel(rule.Severity, ThresholdDirection.Above, l.Limit)], WindowOf(l.Period)),
            Description = Describe(rule, Invariant(
                $"GB 3095-2026 grade {(grade1 ? "I" : "II")} ({(final ? "final" : "transitional")}): {(l.Metric == "pm25" ? "PM2.5" : l.Metric.ToUpperInvariant())} {l.Period} mean ≤ {l.Limit} {(l.Metric == "co" ? "mg/m³" : "µg/m³")}")),
        })];
    }

    /// <summary>
    /// WHO 2021 short-term values of the chosen target. Where WHO defines no such interim target
    /// for a pollutant (O3, NO2, SO2 have IT-1 and IT-2 only, CO IT-1 only), the strictest interim
    /// target it does define below the one asked for applies (O3 at IT-3 → IT-2, 120 µg/m³): the
    /// missing value would lie between that and the AQG, so this is the only defined value sure
    /// not to be stricter than the site's chosen ambition. The AQG is never a fallback.
    /// </summary>
    private static List<AlertRule> ExpandWho(AlertRule rule, ProfileParameters parameters)
    {
        var asked = -1;
        for (var i = 0; i < StandardLimits.WhoTargets.Count; i++)
        {
            if (StandardLimits.WhoTargets[i] == (parameters.WhoTarget ?? "aqg"))
            {
                asked = i;
            }
        }

        if (asked < 0)
        {
            throw new ArgumentException($"unknown WHO target '{parameters.WhoTarget}'", nameof(parameters));
        }

        var rules = new List<AlertRule>();
        foreach (var item in StandardLimits.Who)
        {
            var used = asked;
            while (item.Targets[used] is null)
            {
                used--;
            }

            var limit = item.Targets[used]!.Value;
            var target = TargetName(StandardLimits.WhoTargets[asked]);
            var note = used == asked ? string.Empty : $" (no {target} for {item.Label} {item.Period}; {TargetName(StandardLimits.WhoTargets[used])} applies)";
            rules.Add(rule with
            {
                Name = $"{rule.Name}/{item.Metric}-{item.Period}",
                Kind = SensorKind.Air,
                Metric = item.Metric,
                Condition = new ThresholdCondition([new ThresholdLevel(rule.Severity, ThresholdDirection.Above, (double)limit)], WindowOf(item.Period)),
                Description = Describe(rule, Invariant($"WHO 2021 {target}{note}: {item.Label} {item.Period} mean ≤ {limit} {item.Unit}")),
            });
        }

        return rules;
    }

    /// <summary>
    /// GB 3838-2002 single-factor evaluation (§5.1): each reading of an item the catalog measures
    /// against the target class. TP takes the lake column for lakes and reservoirs; TN is a lake
    /// item only, so a river gets no TN rule.
    /// </summary>
    private static List<AlertRule> ExpandGb3838(AlertRule rule, ProfileParameters parameters)
    {
        var index = (parameters.TargetClass ?? 3) - 1;
        var className = RomanClasses[index];
        var rules = new List<AlertRule>();
        foreach (var item in StandardLimits.Gb3838)
        {
            var limits = parameters.Lake ? item.LakeLimits ?? item.Limits : item.Limits;
            if (limits is null)
            {
                continue;
            }

            var limit = limits[index];
            var (level, text) = item.Direction switch
            {
                ThresholdDirection.Outside => (
                    new ThresholdLevel(rule.Severity, ThresholdDirection.Outside, (double)limit, High: (double)item.High!.Value),
                    Invariant($"{item.Label} {limit}–{item.High}")),
                ThresholdDirection.Below => (
                    new ThresholdLevel(rule.Severity, ThresholdDirection.Below, (double)limit),
                    Invariant($"{item.Label} ≥ {limit} mg/L")),
                _ => (
                    new ThresholdLevel(rule.Severity, ThresholdDirection.Above, (double)limit),
                    Invariant($"{item.Label}{(item.LakeLimits is not null && parameters.Lake ? " (lake/reservoir)" : string.Empty)} ≤ {limit} mg/L")),
            };
            rules.Add(rule with
            {
                Name = $"{rule.Name}/{item.Metric}",
                Kind = SensorKind.Water,
                Metric = item.Metric,
                Condition = new ThresholdCondition([level], null),
                Description = Describe(rule, $"GB 3838-2002 class {className}: {text}"),
            });
        }

        return rules;
    }

    /// <summary>
    /// GB 15618-2018 per pollutant of the soil catalog: screening values (Table 1, the land use's
    /// row) or intervention values (Table 3: Cd, Hg, As, Pb, Cr only). With a fixed <c>ph</c> the
    /// band's values as raw thresholds; without, a <see cref="SoilPhBandCondition"/> with all four.
    /// </summary>
    private static List<AlertRule> ExpandGb15618(AlertRule rule, ProfileCondition profile)
    {
        var paddy = profile.Profile == Gb15618Paddy;
        var intervention = profile.Parameters.SoilValue == "intervention";
        var value = intervention ? "risk intervention value" : $"risk screening value ({(paddy ? "paddy" : "other")} land)";
        var ph = profile.Parameters.SoilPh;
        var rules = new List<AlertRule>();
        foreach (var item in StandardLimits.Gb15618)
        {
            var limits = intervention ? item.Intervention : paddy ? item.Paddy : item.Other;
            if (limits is null)
            {
                continue;
            }

            AlertCondition condition;
            string text;
            if (ph is { } fixedPh)
            {
                var band = SoilPhBand(fixedPh);
                condition = new ThresholdCondition([new ThresholdLevel(rule.Severity, ThresholdDirection.Above, (double)limits[band])], null);
                text = Invariant($"GB 15618-2018 {value}, {SoilPhBandNames[band]}: {item.Label} ≤ {limits[band]} mg/kg");
            }
            else
            {
                condition = new SoilPhBandCondition([.. limits.Select(l => (double)l)]);
                text = Invariant($"GB 15618-2018 {value} by the site's soil pH ({string.Join(" / ", SoilPhBandNames)}): {item.Label} ≤ {string.Join(" / ", limits)} mg/kg");
            }

            rules.Add(rule with
            {
                Name = $"{rule.Name}/{item.Metric}",
                Kind = SensorKind.Soil,
                Metric = item.Metric,
                Condition = condition,
                Description = Describe(rule, text),
            });
        }

        return rules;
    }

    private static WindowAggregate WindowOf(string period) => period switch
    {
        "24h" => new WindowAggregate(AggregateFunction.Mean, TimeSpan.FromHours(24), TimeSpan.FromHours(1), 20),
        "8h" => new WindowAggregate(AggregateFunction.Mean, TimeSpan.FromHours(8), TimeSpan.FromHours(1), 6),
        _ => new WindowAggregate(AggregateFunction.Mean, TimeSpan.FromHours(1), null, null),
    };

    private static string TargetName(string target) => target == "aqg" ? "AQG" : target.ToUpperInvariant();

    /// <summary>The item's description, after the rule's own when it has one.</summary>
    private static string Describe(AlertRule rule, string item) => rule.Description is { } own ? $"{own} ({item})" : item;

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
