namespace EcoMonitor.Core.Alerting.Rules;

/// <summary>
/// The limit tables the profiles expand from, as data (GB 3095-2026, WHO 2021, GB 3838-2002, GB 15618-2018; docs/alert-rules.md#profiles).
/// Values are <see cref="decimal"/> so a description prints them as the standard writes them
/// (NH3-N "1.0", not "1"); thresholds take them as doubles. Metric names are the catalog's
/// (docs/catalog.md#metrics): items the catalog has no metric for are not listed.
/// </summary>
internal static class StandardLimits
{
    /// <summary>WHO 2021 targets, in the order of <see cref="WhoTargets"/>.</summary>
    public static IReadOnlyList<string> WhoTargets { get; } = ["it-1", "it-2", "it-3", "it-4", "aqg"];

    /// <summary>
    /// WHO Global Air Quality Guidelines 2021, short-term values (µg/m³, CO mg/m³): IT-1…IT-4, AQG;
    /// null where WHO defines no such interim target. Annual and peak-season values are reports.
    /// </summary>
    public static IReadOnlyList<WhoItem> Who { get; } =
    [
        new("pm25", "PM2.5", "24h", "µg/m³", [75m, 50m, 37.5m, 25m, 15m]),
        new("pm10", "PM10", "24h", "µg/m³", [150m, 100m, 75m, 50m, 45m]),
        new("o3", "O3", "8h", "µg/m³", [160m, 120m, null, null, 100m]),
        new("no2", "NO2", "24h", "µg/m³", [120m, 50m, null, null, 25m]),
        new("so2", "SO2", "24h", "µg/m³", [125m, 50m, null, null, 40m]),
        new("co", "CO", "24h", "mg/m³", [7m, null, null, null, 4m]),
    ];

    /// <summary>
    /// GB 3838-2002 Table 1, the items the water catalog measures (mg/L, pH dimensionless), classes
    /// I–V. BOD5, metals, cyanide, phenol, petroleum, surfactant, sulfide and coliforms have no
    /// catalog metric (docs/catalog.md#metrics), so they are not listed.
    /// </summary>
    public static IReadOnlyList<WaterItem> Gb3838 { get; } =
    [
        // pH 6–9 for every class.
        new("ph", "pH", ThresholdDirection.Outside, [6m, 6m, 6m, 6m, 6m], null, 9m),
        // DO is the one lower bound; class I is "90 % saturation (or 7.5)": 7.5 mg/L.
        new("do", "DO", ThresholdDirection.Below, [7.5m, 6m, 5m, 3m, 2m], null),
        new("codmn", "CODMn", ThresholdDirection.Above, [2m, 4m, 6m, 10m, 15m], null),
        new("cod", "COD", ThresholdDirection.Above, [15m, 15m, 20m, 30m, 40m], null),
        new("nh3n", "NH3-N", ThresholdDirection.Above, [0.15m, 0.5m, 1.0m, 1.5m, 2.0m], null),
        new("tp", "TP", ThresholdDirection.Above, [0.02m, 0.1m, 0.2m, 0.3m, 0.4m], [0.01m, 0.025m, 0.05m, 0.1m, 0.2m]),
        // Total N is a lakes-and-reservoirs item only (the table's own heading): no river column.
        new("tn", "TN", ThresholdDirection.Above, null, [0.2m, 0.5m, 1.0m, 1.5m, 2.0m]),
    ];

    /// <summary>
    /// GB 15618-2018 Table 1 (screening, per land use) and Table 3 (intervention, Cd/Hg/As/Pb/Cr
    /// only, one row for all agricultural land), mg/kg, per pH band ≤ 5.5, (5.5, 6.5], (6.5, 7.5], &gt; 7.5.
    /// </summary>
    public static IReadOnlyList<SoilItem> Gb15618 { get; } =
    [
        new("cd", "Cd", [0.3m, 0.4m, 0.6m, 0.8m], [0.3m, 0.3m, 0.3m, 0.6m], [1.5m, 2.0m, 3.0m, 4.0m]),
        new("hg", "Hg", [0.5m, 0.5m, 0.6m, 1.0m], [1.3m, 1.8m, 2.4m, 3.4m], [2.0m, 2.5m, 4.0m, 6.0m]),
        new("as", "As", [30m, 30m, 25m, 20m], [40m, 40m, 30m, 25m], [200m, 150m, 120m, 100m]),
        new("pb", "Pb", [80m, 100m, 140m, 240m], [70m, 90m, 120m, 170m], [400m, 500m, 700m, 1000m]),
        new("cr", "Cr", [250m, 250m, 300m, 350m], [150m, 150m, 200m, 250m], [800m, 850m, 1000m, 1300m]),
        // Cu's rows are orchard / other, not paddy / other: a paddy field is "other" land for Cu.
        // The profiles have no orchard variant (orchard Cu is 150/150/200/200).
        new("cu", "Cu", [50m, 50m, 100m, 100m], [50m, 50m, 100m, 100m], null),
        // Ni and Zn: one row for all land uses.
        new("ni", "Ni", [60m, 70m, 100m, 190m], [60m, 70m, 100m, 190m], null),
        new("zn", "Zn", [200m, 200m, 250m, 300m], [200m, 200m, 250m, 300m], null),
    ];

    /// <param name="Targets">IT-1, IT-2, IT-3, IT-4, AQG; null where not defined.</param>
    public sealed record WhoItem(string Metric, string Label, string Period, string Unit, IReadOnlyList<decimal?> Targets);

    /// <param name="Limits">Classes I–V for rivers (null: no river limit).</param>
    /// <param name="LakeLimits">Classes I–V for lakes and reservoirs where they differ (null: as rivers).</param>
    /// <param name="High">For <c>outside</c>: the upper end; <paramref name="Limits"/> hold the lower.</param>
    public sealed record WaterItem(
        string Metric,
        string Label,
        ThresholdDirection Direction,
        IReadOnlyList<decimal>? Limits,
        IReadOnlyList<decimal>? LakeLimits,
        decimal? High = null);

    /// <param name="Intervention">Null for pollutants without an intervention value.</param>
    public sealed record SoilItem(
        string Metric,
        string Label,
        IReadOnlyList<decimal> Paddy,
        IReadOnlyList<decimal> Other,
        IReadOnlyList<decimal>? Intervention);
}
