using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Benchmarks;

/// <summary>A catalog metric as the fleet reports it: its usual level and spread, and the catalog's plausible range.</summary>
internal sealed record MetricProfile(SensorKind Kind, string Name, double Typical, double Spread, double Min, double Max)
{
    /// <summary><paramref name="spreads"/> spreads above the usual level, rounded as a rule file would write it, kept plausible.</summary>
    public double Above(double spreads) => Math.Round(Math.Clamp(Typical + (spreads * Spread), Min, Max), 1);

    public double Below(double spreads) => Math.Round(Math.Clamp(Typical - (spreads * Spread), Min, Max), 1);
}

/// <param name="Level">How polluted (or wet, warm…) its place is: a factor on the metric's usual level.</param>
/// <param name="Phase">Of the daily cycle, in radians.</param>
/// <param name="OffsetMs">When in each reporting interval it reports.</param>
/// <param name="Stuck">Reports the same values forever (for the stuck rules).</param>
internal sealed record Device(SensorKind Kind, int Region, string Site, string Name, double Level, double Phase, long OffsetMs, bool Stuck);

/// <summary>
/// The benchmark's sensor fleet: 10,000 devices on 100 sites in 5 regions; each site has 50 air,
/// 25 water and 25 soil nodes. An air node reports 6 metrics, water 5, soil 4 (catalog names), so
/// one round (every device reports once) is <see cref="ReadingsPerRound"/> readings, one per series.
/// Built from a fixed seed: every run sees the same fleet.
/// </summary>
internal sealed class Fleet
{
    public const int DeviceCount = 10_000;
    public const int SitesPerRegion = 20;
    public const int AirPerSite = 50;
    public const int WaterPerSite = 25;
    public const int SoilPerSite = 25;

    /// <summary>5,000 air × 6 + 2,500 water × 5 + 2,500 soil × 4.</summary>
    public const int ReadingsPerRound = 52_500;

    public static readonly IReadOnlyList<string> Regions = ["bj", "sh", "gz", "cd", "wh"];

    public Fleet(int seed = 20260105)
    {
        var random = new Random(seed);
        var sites = new List<string>();
        var devices = new List<Device>();
        for (var region = 0; region < Regions.Count; region++)
        {
            for (var s = 1; s <= SitesPerRegion; s++)
            {
                var site = $"{Regions[region]}-{s:D2}";
                sites.Add(site);

                // Some sites are dirtier (a road, a plant upstream) than others.
                var siteLevel = 0.7 + (random.NextDouble() * 0.8);
                foreach (var (kind, prefix, count) in new[] { (SensorKind.Air, "aq", AirPerSite), (SensorKind.Water, "wq", WaterPerSite), (SensorKind.Soil, "sm", SoilPerSite) })
                {
                    for (var d = 0; d < count; d++)
                    {
                        devices.Add(new Device(
                            kind,
                            region,
                            site,
                            $"{site}-{prefix}{d:D2}",
                            siteLevel * (0.85 + (random.NextDouble() * 0.3)),
                            random.NextDouble() * Math.Tau,
                            0,
                            random.NextDouble() < 0.01));
                    }
                }
            }
        }

        // Nodes report at their own moment in the interval: the broker hands them over interleaved.
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(devices));
        for (var i = 0; i < devices.Count; i++)
        {
            devices[i] = devices[i] with { OffsetMs = i * 6 };
        }

        Sites = sites;
        Devices = devices;
        if (devices.Count != DeviceCount || devices.Sum(d => MetricsOf(d.Kind).Count) != ReadingsPerRound)
        {
            throw new InvalidOperationException("the fleet does not have the size the benchmarks declare");
        }
    }

    public IReadOnlyList<string> Sites { get; }

    /// <summary>In reporting order.</summary>
    public IReadOnlyList<Device> Devices { get; }

    /// <summary>What a node of <paramref name="kind"/> reports; names and ranges from the catalog.</summary>
    public static IReadOnlyList<MetricProfile> MetricsOf(SensorKind kind) => kind switch
    {
        SensorKind.Air => AirMetrics,
        SensorKind.Water => WaterMetrics,
        _ => SoilMetrics,
    };

    private static IReadOnlyList<MetricProfile> AirMetrics { get; } =
    [
        Profile(SensorKind.Air, "pm25", 35, 18),
        Profile(SensorKind.Air, "pm10", 70, 30),
        Profile(SensorKind.Air, "o3", 90, 45),
        Profile(SensorKind.Air, "no2", 35, 18),
        Profile(SensorKind.Air, "temperature", 15, 7),
        Profile(SensorKind.Air, "humidity", 60, 10),
    ];

    private static IReadOnlyList<MetricProfile> WaterMetrics { get; } =
    [
        Profile(SensorKind.Water, "ph", 7.4, 0.4),
        Profile(SensorKind.Water, "do", 7.5, 1.4),
        Profile(SensorKind.Water, "conductivity", 600, 140),
        Profile(SensorKind.Water, "turbidity", 20, 12),
        Profile(SensorKind.Water, "temperature", 16, 4),
    ];

    private static IReadOnlyList<MetricProfile> SoilMetrics { get; } =
    [
        Profile(SensorKind.Soil, "moisture", 30, 7),
        Profile(SensorKind.Soil, "temperature", 14, 5),
        Profile(SensorKind.Soil, "ec", 800, 220),
        Profile(SensorKind.Soil, "ph", 6.5, 0.4),
    ];

    // After the lists it is made of: static initialisers run in the order written.
    public static IReadOnlyList<MetricProfile> AllMetrics { get; } = [.. AirMetrics, .. WaterMetrics, .. SoilMetrics];

    private static MetricProfile Profile(SensorKind kind, string name, double typical, double spread) =>
        MetricCatalog.Default.TryGet(kind, name, out var definition)
            ? new MetricProfile(kind, name, typical, spread, definition.Min, definition.Max)
            : throw new InvalidOperationException($"{kind.ToName()}.{name} is not in the catalog");
}
