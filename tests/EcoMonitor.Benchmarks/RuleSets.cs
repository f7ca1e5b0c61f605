using System.Globalization;
using System.Text;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// Rule sets for the benchmarks, written as a rules file (docs/alert-rules.md) and read by the service's own
/// parser, so they are rules an operator could have written and the parser accepts without a word.
/// </summary>
internal static class RuleSets
{
    public const int RealisticCount = 1_000;

    /// <summary>The whole fleet, then each region, as site globs.</summary>
    private static readonly string[] FleetAndRegions = ["*", .. Fleet.Regions.Select(r => r + "-*")];

    /// <summary>The trivial set of the baseline: one threshold on PM2.5, every site.</summary>
    public static IReadOnlyList<AlertRule> Single() => Parse("""
        rules:
          - name: pm25-high
            kind: air
            metric: pm25
            above: 150
            severity: warning
        """);

    /// <summary>
    /// 1,000 rules as a large deployment would have them: thresholds for every metric at fleet,
    /// region and site scope and on device globs (single and multi-level, hysteresis, <c>for</c>),
    /// rolling-window means/max/min (hourly buckets, and a raw 1 h window), rates, stuck sensors and
    /// deadman rules. The mix, by condition: 800 thresholds (15 fleet-wide, 75 regional, 600 per site,
    /// 110 on device globs), 60 windows, 60 rates, 60 stuck, 20 deadman.
    /// </summary>
    public static IReadOnlyList<AlertRule> Realistic(int seed = 11)
    {
        var writer = new RulesWriter(new Random(seed));
        var metrics = Fleet.AllMetrics;

        foreach (var metric in metrics)
        {
            writer.Threshold("fleet", metric, site: "*", device: null);
        }

        foreach (var region in Fleet.Regions)
        {
            foreach (var metric in metrics)
            {
                writer.Threshold("region", metric, site: region + "-*", device: null);
            }
        }

        // Local limits: each site has a handful of its own (permits, sensitive receptors nearby).
        for (var r = 0; r < Fleet.Regions.Count; r++)
        {
            for (var s = 1; s <= Fleet.SitesPerRegion; s++)
            {
                for (var i = 0; i < 6; i++)
                {
                    // Most name their site; some a few neighbouring sites with a character class.
                    var site = writer.Random.NextDouble() < 0.8
                        ? $"{Fleet.Regions[r]}-{s:D2}"
                        : $"{Fleet.Regions[r]}-{(s - 1) / 10}[{writer.Random.Next(0, 5)}-{writer.Random.Next(5, 10)}]";
                    writer.Threshold("site", writer.Pick(metrics), site, device: null);
                }
            }
        }

        // A batch of nodes with another probe model (tighter or looser limits), picked by name.
        for (var i = 0; i < 110; i++)
        {
            var metric = writer.Pick(metrics);
            var (prefix, count) = metric.Kind switch
            {
                SensorKind.Air => ("aq", Fleet.AirPerSite),
                SensorKind.Water => ("wq", Fleet.WaterPerSite),
                _ => ("sm", Fleet.SoilPerSite),
            };
            var decade = writer.Random.Next(0, count / 10);
            var device = writer.Random.NextDouble() < 0.5 ? $"*-{prefix}{decade}?" : $"*-{prefix}{decade}[0-4]";
            var site = writer.Random.NextDouble() < 0.3 ? "*" : writer.Pick(Fleet.Regions) + "-*";
            writer.Threshold("probe", metric, site, device);
        }

        WriteWindows(writer);
        WriteRates(writer);
        WriteStuck(writer);
        WriteDeadmen(writer);

        var rules = Parse(writer.ToString());
        return rules.Count == RealisticCount
            ? rules
            : throw new InvalidOperationException($"the realistic rule set has {rules.Count} rules, not {RealisticCount}");
    }

    private static void WriteWindows(RulesWriter writer)
    {
        string[] windows =
        [
            "window: { function: mean, over: 24h, bucket: 1h, min_count: 20 }",
            "window: { function: mean, over: 8h, bucket: 1h, min_count: 6 }",
            "window: { function: mean, over: 1h, min_count: 30 }",
            "window: { function: max, over: 6h, bucket: 1h }",
            "window: { function: min, over: 24h, bucket: 1h, min_count: 20 }",
        ];

        // (kind, metric, window, condition): PM2.5 and PM10 daily means, O3 8 h, NO2 hourly mean of
        // minute readings, turbidity peaks, the driest hour of a soil's day, a warm river's day.
        (SensorKind Kind, string Metric, string Window, double[] Limits, string Direction)[] templates =
        [
            (SensorKind.Air, "pm25", windows[0], [35, 60, 75], "above"),
            (SensorKind.Air, "pm10", windows[0], [100, 150], "above"),
            (SensorKind.Air, "o3", windows[1], [100, 160], "above"),
            (SensorKind.Air, "no2", windows[2], [80, 100], "above"),
            (SensorKind.Water, "turbidity", windows[3], [60, 80], "above"),
            (SensorKind.Soil, "moisture", windows[4], [12, 15], "below"),
            (SensorKind.Water, "temperature", windows[0], [22, 25], "above"),
        ];

        var written = 0;
        foreach (var t in templates)
        {
            foreach (var site in FleetAndRegions)
            {
                writer.Window(t.Kind, t.Metric, site, t.Window, t.Direction, writer.Pick(t.Limits));
                written++;
            }
        }

        while (written < 60)
        {
            var t = writer.Pick(templates);
            writer.Window(t.Kind, t.Metric, writer.Site(), t.Window, t.Direction, writer.Pick(t.Limits));
            written++;
        }
    }

    private static void WriteRates(RulesWriter writer)
    {
        // Per minute, the reporting interval: a discharge, a flush, a fire, irrigation.
        (SensorKind Kind, string Metric, string Rate)[] templates =
        [
            (SensorKind.Water, "conductivity", "{ per: 1m, above: 400 }"),
            (SensorKind.Water, "turbidity", "{ per: 1m, above: 35 }"),
            (SensorKind.Water, "ph", "{ per: 1m, above: 1.2, below: -1.2 }"),
            (SensorKind.Water, "do", "{ per: 1m, below: -4 }"),
            (SensorKind.Water, "temperature", "{ per: 1m, above: 12, below: -12 }"),
            (SensorKind.Air, "pm25", "{ per: 1m, above: 50 }"),
            (SensorKind.Soil, "moisture", "{ per: 1m, above: 20 }"),
        ];

        var written = 0;
        foreach (var t in templates)
        {
            foreach (var region in Fleet.Regions)
            {
                writer.Rate(t.Kind, t.Metric, region + "-*", t.Rate);
                written++;
            }
        }

        while (written < 60)
        {
            var t = writer.Pick(templates);
            writer.Rate(t.Kind, t.Metric, writer.Site(), t.Rate);
            written++;
        }
    }

    private static void WriteStuck(RulesWriter writer)
    {
        (SensorKind Kind, string Metric, string Stuck)[] templates =
        [
            (SensorKind.Air, "temperature", "{ readings: 30, tolerance: 0.01 }"),
            (SensorKind.Air, "humidity", "{ readings: 60 }"),
            (SensorKind.Water, "ph", "{ for: 2h, tolerance: 0.01 }"),
            (SensorKind.Water, "conductivity", "{ readings: 30 }"),
            (SensorKind.Soil, "moisture", "{ for: 2h }"),
            (SensorKind.Soil, "ec", "{ for: 6h, tolerance: 1 }"),
        ];

        var written = 0;
        foreach (var t in templates)
        {
            foreach (var site in FleetAndRegions)
            {
                writer.Stuck(t.Kind, t.Metric, site, t.Stuck);
                written++;
            }
        }

        while (written < 60)
        {
            var t = writer.Pick(templates);
            writer.Stuck(t.Kind, t.Metric, writer.Site(), t.Stuck);
            written++;
        }
    }

    private static void WriteDeadmen(RulesWriter writer)
    {
        writer.Deadman("*", null, "*", "15m");
        foreach (var kind in SensorKinds.All.Select(k => k.ToName()))
        {
            writer.Deadman(kind, null, "*", "30m");
        }

        foreach (var region in Fleet.Regions)
        {
            writer.Deadman("*", null, region + "-*", "10m");
        }

        for (var i = 0; i < 8; i++)
        {
            writer.Deadman("*", null, writer.Site(), "5m");
        }

        writer.Deadman("air", "pm25", "*", "20m");
        writer.Deadman("water", "do", "*", "20m");
        writer.Deadman("soil", "moisture", "*", "1h");
    }

    private static List<AlertRule> Parse(string yaml)
    {
        var file = new RulesFileParser(MetricCatalog.Default).Parse(yaml);
        if (file.Problems.Count > 0)
        {
            throw new InvalidOperationException("the generated rules file has problems:\n"
                + string.Join('\n', file.Problems.Take(10).Select(p => $"{p.Line}:{p.Column}: {p.Message}")));
        }

        return [.. file.Rules];
    }

    /// <summary>Writes the rules file, one rule at a time; numbers and names are invariant.</summary>
    private sealed class RulesWriter(Random random)
    {
        private static readonly string[] ForDurations = ["2m", "5m", "10m", "15m"];

        private readonly StringBuilder _yaml = new("rules:\n");
        private int _count;

        public Random Random { get; } = random;

        public T Pick<T>(IReadOnlyList<T> items) => items[Random.Next(items.Count)];

        /// <summary>One site of the fleet, by name.</summary>
        public string Site() => $"{Pick(Fleet.Regions)}-{Random.Next(1, Fleet.SitesPerRegion + 1):D2}";

        public void Threshold(string scope, MetricProfile metric, string site, string? device)
        {
            Begin(scope, metric.Kind.ToName(), metric.Name, site, device);
            var k = 1.8 + (Random.NextDouble() * 1.2);
            switch (metric.Name)
            {
                case "do" or "moisture":
                    // Too low is what hurts: fish kills, drought stress.
                    if (Random.NextDouble() < 0.5)
                    {
                        Line($"below: {N(metric.Below(k))}");
                        Line($"clear_above: {N(metric.Below(k - 0.4))}");
                        Line($"severity: {Severity()}");
                    }
                    else
                    {
                        Line("levels:");
                        Line($"  - {{ severity: warning, below: {N(metric.Below(k))}, clear_above: {N(metric.Below(k - 0.4))} }}");
                        Line($"  - {{ severity: critical, below: {N(metric.Below(k + 1))}, clear_above: {N(metric.Below(k + 0.6))} }}");
                    }

                    break;
                case "ph" or "temperature":
                    // A band: both ends matter.
                    Line($"outside: [{N(metric.Below(k))}, {N(metric.Above(k))}]");
                    if (Random.NextDouble() < 0.6)
                    {
                        Line($"clear_above: {N(metric.Below(k - 0.3))}");
                        Line($"clear_below: {N(metric.Above(k - 0.3))}");
                    }

                    Line($"severity: {Severity()}");
                    break;
                default:
                    var style = Random.NextDouble();
                    if (style < 0.35)
                    {
                        Line("levels:");
                        Line($"  - {{ severity: warning, above: {N(metric.Above(k))}, clear_below: {N(metric.Above(k - 0.4))} }}");
                        Line($"  - {{ severity: critical, above: {N(metric.Above(k + 1))}, clear_below: {N(metric.Above(k + 0.6))} }}");
                    }
                    else
                    {
                        Line($"above: {N(metric.Above(k))}");
                        if (style < 0.85)
                        {
                            Line($"clear_below: {N(metric.Above(k - 0.4))}");
                        }

                        Line($"severity: {Severity()}");
                    }

                    break;
            }

            if (Random.NextDouble() < 0.5)
            {
                Line($"for: {Pick(ForDurations)}");
            }
        }

        public void Window(SensorKind kind, string metric, string site, string window, string direction, double limit)
        {
            Begin("window", kind.ToName(), metric, site, null);
            Line(window);
            Line($"{direction}: {N(limit)}");
            Line($"severity: {Severity()}");
        }

        public void Rate(SensorKind kind, string metric, string site, string rate)
        {
            Begin("rate", kind.ToName(), metric, site, null);
            Line($"rate: {rate}");
            Line($"severity: {Severity()}");
        }

        public void Stuck(SensorKind kind, string metric, string site, string stuck)
        {
            Begin("stuck", kind.ToName(), metric, site, null);
            Line($"stuck: {stuck}");
            Line("severity: info");
        }

        public void Deadman(string kind, string? metric, string site, string silence)
        {
            Begin("silent", kind, metric, site, null);
            Line($"deadman: {silence}");
            Line("severity: warning");
        }

        public override string ToString() => _yaml.ToString();

        private void Begin(string scope, string kind, string? metric, string site, string? device)
        {
            _count++;
            var name = $"{scope}-{_count:D4}-{(kind == "*" ? "any" : kind)}{(metric is null ? string.Empty : "-" + metric)}";
            _yaml.Append(CultureInfo.InvariantCulture, $"  - name: {name}\n");
            Line($"kind: \"{kind}\"");
            if (metric is not null)
            {
                Line($"metric: {metric}");
            }

            Line($"site: \"{site}\"");
            if (device is not null)
            {
                Line($"device: \"{device}\"");
            }
        }

        private void Line(string line) => _yaml.Append("    ").Append(line).Append('\n');

        private string Severity() => Random.NextDouble() < 0.7 ? "warning" : Random.NextDouble() < 0.5 ? "critical" : "info";

        private static string N(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
    }
}
