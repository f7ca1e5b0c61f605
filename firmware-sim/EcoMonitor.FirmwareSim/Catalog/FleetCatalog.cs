using System.Collections.Frozen;

namespace EcoMonitor.FirmwareSim.Catalog;

/// <summary>A metric a simulated node reports, with the plausible range docs/catalog.md#metrics publishes for it.</summary>
/// <param name="Decimals">Digits kept after rounding, like a real probe's resolution.</param>
public sealed record SimulatedMetric(string Kind, string Name, string Unit, double Min, double Max, int Decimals)
{
    public double Clamp(double value) => Math.Clamp(value, Min, Max);
}

/// <summary>
/// The kinds and metrics the fleet simulates. This is a copy of the part of docs/catalog.md#metrics the simulator
/// uses, kept here on purpose: the simulator imitates firmware, which knows the published contract and
/// not the service's code, so it must not reference EcoMonitor.Core. Tests compare this copy with the
/// service's catalog so the two cannot drift apart unnoticed.
/// </summary>
public static class FleetCatalog
{
    public const string Air = "air";
    public const string Water = "water";
    public const string Soil = "soil";

    /// <summary>Kinds in the order nodes are laid out within a site.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [Air, Water, Soil];

    public static FrozenDictionary<string, IReadOnlyList<SimulatedMetric>> MetricsPerKind { get; } =
        new Dictionary<string, IReadOnlyList<SimulatedMetric>>
        {
            [Air] =
            [
                new(Air, "pm25", "µg/m³", 0, 1000, 1),
                new(Air, "pm10", "µg/m³", 0, 1000, 1),
                new(Air, "temperature", "°C", -40, 85, 1),
                new(Air, "humidity", "%RH", 0, 100, 1),
                new(Air, "pressure", "hPa", 300, 1100, 1),
                new(Air, "no2", "µg/m³", 0, 5000, 1),
                new(Air, "o3", "µg/m³", 0, 5000, 1),
            ],
            [Water] =
            [
                new(Water, "ph", "pH", 0, 14, 2),
                new(Water, "do", "mg/L", 0, 20, 2),
                new(Water, "conductivity", "µS/cm", 0, 200000, 1),
                new(Water, "turbidity", "NTU", 0, 4000, 2),
                new(Water, "temperature", "°C", -5, 50, 1),
            ],
            [Soil] =
            [
                new(Soil, "moisture", "% VWC", 0, 100, 1),
                new(Soil, "temperature", "°C", -40, 80, 1),
                new(Soil, "ec", "µS/cm", 0, 20000, 1),
                new(Soil, "ph", "pH", 0, 14, 2),
            ],
        }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IReadOnlyList<SimulatedMetric> MetricsOf(string kind) =>
        MetricsPerKind.TryGetValue(kind, out var metrics)
            ? metrics
            : throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown sensor kind.");

    public static SimulatedMetric Metric(string kind, string name) =>
        MetricsOf(kind).FirstOrDefault(m => m.Name == name)
            ?? throw new ArgumentOutOfRangeException(nameof(name), name, $"No metric '{name}' for kind '{kind}'.");
}
