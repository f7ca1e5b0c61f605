using System.Collections.Frozen;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Catalog;

/// <summary>
/// The canonical metrics per kind (docs/catalog.md#metrics). Built-in defaults can be overridden or extended
/// from configuration, so a new probe needs no code change.
/// </summary>
public sealed class MetricCatalog
{
    private readonly FrozenDictionary<(SensorKind, string), MetricDefinition> _metrics;

    public MetricCatalog(IEnumerable<MetricDefinition> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var map = new Dictionary<(SensorKind, string), MetricDefinition>();
        foreach (var metric in metrics)
        {
            // Later definitions win: configuration overrides the defaults.
            map[(metric.Kind, metric.Name)] = metric;
        }

        _metrics = map.ToFrozenDictionary();
    }

    public static MetricCatalog Default { get; } = new(DefaultMetrics());

    public IEnumerable<MetricDefinition> Metrics => _metrics.Values;

    public bool TryGet(SensorKind kind, string metric, out MetricDefinition definition) =>
        _metrics.TryGetValue((kind, metric), out definition!);

    /// <summary>Returns a catalog with <paramref name="overrides"/> replacing or adding definitions.</summary>
    public MetricCatalog With(IEnumerable<MetricDefinition> overrides) => new(Metrics.Concat(overrides));

    public static IEnumerable<MetricDefinition> DefaultMetrics()
    {
        const string ugm3 = "µg/m³";
        const string mgl = "mg/L";
        const string mgkg = "mg/kg";
        var air = SensorKind.Air;
        var water = SensorKind.Water;
        var soil = SensorKind.Soil;

        foreach (var name in new[] { "pm25", "pm10", "pm1" })
        {
            yield return new(air, name, ugm3, 0, 1000);
        }

        foreach (var name in new[] { "so2", "no2", "o3" })
        {
            yield return new(air, name, ugm3, 0, 5000);
        }

        yield return new(air, "co", "mg/m³", 0, 200);
        yield return new(air, "co2", "ppm", 0, 40000);
        yield return new(air, "temperature", "°C", -40, 85);
        yield return new(air, "humidity", "%RH", 0, 100);
        yield return new(air, "pressure", "hPa", 300, 1100);
        yield return new(air, "noise", "dB(A)", 0, 150);

        yield return new(water, "ph", "pH", 0, 14);
        yield return new(water, "do", mgl, 0, 20);
        yield return new(water, "conductivity", "µS/cm", 0, 200000);
        yield return new(water, "turbidity", "NTU", 0, 4000);
        yield return new(water, "temperature", "°C", -5, 50);
        yield return new(water, "orp", "mV", -2000, 2000);
        foreach (var name in new[] { "nh3n", "codmn", "cod", "tp", "tn" })
        {
            yield return new(water, name, mgl, 0, 1000);
        }

        yield return new(soil, "moisture", "% VWC", 0, 100);
        yield return new(soil, "temperature", "°C", -40, 80);
        yield return new(soil, "ec", "µS/cm", 0, 20000);
        yield return new(soil, "ph", "pH", 0, 14);
        foreach (var name in new[] { "n", "p", "k" })
        {
            yield return new(soil, name, mgkg, 0, 3000);
        }

        foreach (var name in new[] { "cd", "hg", "as", "pb", "cr", "cu", "ni", "zn" })
        {
            yield return new(soil, name, mgkg, 0, 10000);
        }
    }
}
