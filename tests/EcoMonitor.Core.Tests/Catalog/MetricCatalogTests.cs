using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using Xunit;

namespace EcoMonitor.Core.Tests.Catalog;

public sealed class MetricCatalogTests
{
    private const string Ugm3 = "\u00b5g/m\u00b3";
    private const string Mgl = "mg/L";
    private const string Mgkg = "mg/kg";
    private const string Celsius = "\u00b0C";
    private const string Uscm = "\u00b5S/cm";

    /// <summary>docs/catalog.md#metrics, row by row.</summary>
    public static TheoryData<SensorKind, string, string, double, double> DesignTable { get; } = new()
    {
        { SensorKind.Air, "pm25", Ugm3, 0, 1000 },
        { SensorKind.Air, "pm10", Ugm3, 0, 1000 },
        { SensorKind.Air, "pm1", Ugm3, 0, 1000 },
        { SensorKind.Air, "so2", Ugm3, 0, 5000 },
        { SensorKind.Air, "no2", Ugm3, 0, 5000 },
        { SensorKind.Air, "o3", Ugm3, 0, 5000 },
        { SensorKind.Air, "co", "mg/m\u00b3", 0, 200 },
        { SensorKind.Air, "co2", "ppm", 0, 40000 },
        { SensorKind.Air, "temperature", Celsius, -40, 85 },
        { SensorKind.Air, "humidity", "%RH", 0, 100 },
        { SensorKind.Air, "pressure", "hPa", 300, 1100 },
        { SensorKind.Air, "noise", "dB(A)", 0, 150 },
        { SensorKind.Water, "ph", "pH", 0, 14 },
        { SensorKind.Water, "do", Mgl, 0, 20 },
        { SensorKind.Water, "conductivity", Uscm, 0, 200000 },
        { SensorKind.Water, "turbidity", "NTU", 0, 4000 },
        { SensorKind.Water, "temperature", Celsius, -5, 50 },
        { SensorKind.Water, "orp", "mV", -2000, 2000 },
        { SensorKind.Water, "nh3n", Mgl, 0, 1000 },
        { SensorKind.Water, "codmn", Mgl, 0, 1000 },
        { SensorKind.Water, "cod", Mgl, 0, 1000 },
        { SensorKind.Water, "tp", Mgl, 0, 1000 },
        { SensorKind.Water, "tn", Mgl, 0, 1000 },
        { SensorKind.Soil, "moisture", "% VWC", 0, 100 },
        { SensorKind.Soil, "temperature", Celsius, -40, 80 },
        { SensorKind.Soil, "ec", Uscm, 0, 20000 },
        { SensorKind.Soil, "ph", "pH", 0, 14 },
        { SensorKind.Soil, "n", Mgkg, 0, 3000 },
        { SensorKind.Soil, "p", Mgkg, 0, 3000 },
        { SensorKind.Soil, "k", Mgkg, 0, 3000 },
        { SensorKind.Soil, "cd", Mgkg, 0, 10000 },
        { SensorKind.Soil, "hg", Mgkg, 0, 10000 },
        { SensorKind.Soil, "as", Mgkg, 0, 10000 },
        { SensorKind.Soil, "pb", Mgkg, 0, 10000 },
        { SensorKind.Soil, "cr", Mgkg, 0, 10000 },
        { SensorKind.Soil, "cu", Mgkg, 0, 10000 },
        { SensorKind.Soil, "ni", Mgkg, 0, 10000 },
        { SensorKind.Soil, "zn", Mgkg, 0, 10000 },
    };

    [Theory]
    [MemberData(nameof(DesignTable))]
    public void Every_design_metric_has_its_unit_and_range(SensorKind kind, string name, string unit, double min, double max)
    {
        Assert.True(MetricCatalog.Default.TryGet(kind, name, out var definition));

        Assert.Equal(new MetricDefinition(kind, name, unit, min, max), definition);
    }

    [Fact]
    public void Default_catalog_has_exactly_the_design_metrics()
    {
        var expected = DesignTable.Select(row => (row.Data.Item1, row.Data.Item2)).ToHashSet();

        var actual = MetricCatalog.Default.Metrics.Select(m => (m.Kind, m.Name)).ToList();

        Assert.Equal(38, expected.Count);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual.ToHashSet());
    }

    [Fact]
    public void DefaultMetrics_has_no_duplicates()
    {
        var keys = MetricCatalog.DefaultMetrics().Select(m => (m.Kind, m.Name)).ToList();

        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Fact]
    public void Every_kind_has_metrics_and_a_temperature()
    {
        foreach (var kind in SensorKinds.All)
        {
            Assert.True(MetricCatalog.Default.TryGet(kind, "temperature", out var definition));
            Assert.Equal("\u00b0C", definition.Unit);
        }
    }

    [Theory]
    [InlineData(SensorKind.Air, "ph")]
    [InlineData(SensorKind.Air, "PM25")]
    [InlineData(SensorKind.Air, "pm2.5")]
    [InlineData(SensorKind.Air, "")]
    [InlineData(SensorKind.Water, "pm25")]
    [InlineData(SensorKind.Soil, "do")]
    [InlineData(SensorKind.Soil, "moisture ")]
    public void Unknown_or_misplaced_metric_is_not_found(SensorKind kind, string name)
    {
        Assert.False(MetricCatalog.Default.TryGet(kind, name, out _));
    }

    [Theory]
    [InlineData(0d, true)]
    [InlineData(14d, true)]
    [InlineData(7d, true)]
    [InlineData(-0.0001, false)]
    [InlineData(14.0001, false)]
    [InlineData(double.NaN, false)]
    [InlineData(double.PositiveInfinity, false)]
    public void Plausible_range_is_inclusive(double value, bool plausible)
    {
        var ph = new MetricDefinition(SensorKind.Water, "ph", "pH", 0, 14);

        Assert.Equal(plausible, ph.IsPlausible(value));
    }

    [Fact]
    public void With_overrides_a_default_and_leaves_the_original_unchanged()
    {
        var catalog = MetricCatalog.Default.With([new MetricDefinition(SensorKind.Air, "pm25", Ugm3, 0, 2000)]);

        Assert.True(catalog.TryGet(SensorKind.Air, "pm25", out var overridden));
        Assert.Equal(2000, overridden.Max);
        Assert.True(MetricCatalog.Default.TryGet(SensorKind.Air, "pm25", out var original));
        Assert.Equal(1000, original.Max);
        Assert.Equal(38, catalog.Metrics.Count());
    }

    [Fact]
    public void With_extends_and_keeps_every_default()
    {
        var voc = new MetricDefinition(SensorKind.Air, "voc", "ppb", 0, 10000);
        var salinity = new MetricDefinition(SensorKind.Water, "salinity", "PSU", 0, 45);

        var catalog = MetricCatalog.Default.With([voc, salinity]);

        Assert.True(catalog.TryGet(SensorKind.Air, "voc", out var found));
        Assert.Equal(voc, found);
        Assert.True(catalog.TryGet(SensorKind.Water, "salinity", out _));
        Assert.False(catalog.TryGet(SensorKind.Soil, "voc", out _));
        Assert.False(MetricCatalog.Default.TryGet(SensorKind.Air, "voc", out _));
        Assert.Equal(40, catalog.Metrics.Count());
        Assert.All(MetricCatalog.Default.Metrics, m => Assert.True(catalog.TryGet(m.Kind, m.Name, out _)));
    }

    [Fact]
    public void Override_for_one_kind_does_not_touch_the_same_name_of_another_kind()
    {
        var catalog = MetricCatalog.Default.With([new MetricDefinition(SensorKind.Soil, "ph", "pH", 3, 10)]);

        Assert.True(catalog.TryGet(SensorKind.Soil, "ph", out var soil));
        Assert.Equal((3d, 10d), (soil.Min, soil.Max));
        Assert.True(catalog.TryGet(SensorKind.Water, "ph", out var water));
        Assert.Equal((0d, 14d), (water.Min, water.Max));
    }

    [Fact]
    public void Later_definitions_win_within_one_list()
    {
        var catalog = MetricCatalog.Default.With(
        [
            new MetricDefinition(SensorKind.Air, "pm25", Ugm3, 0, 1500),
            new MetricDefinition(SensorKind.Air, "pm25", Ugm3, 0, 2500),
        ]);

        Assert.True(catalog.TryGet(SensorKind.Air, "pm25", out var definition));
        Assert.Equal(2500, definition.Max);
    }

    [Fact]
    public void With_chains()
    {
        var catalog = MetricCatalog.Default
            .With([new MetricDefinition(SensorKind.Air, "voc", "ppb", 0, 100)])
            .With([new MetricDefinition(SensorKind.Air, "voc", "ppb", 0, 200)]);

        Assert.True(catalog.TryGet(SensorKind.Air, "voc", out var definition));
        Assert.Equal(200, definition.Max);
    }

    [Fact]
    public void Catalog_can_be_built_from_scratch()
    {
        var catalog = new MetricCatalog([new MetricDefinition(SensorKind.Air, "pm25", Ugm3, 0, 1000)]);

        Assert.Single(catalog.Metrics);
        Assert.False(catalog.TryGet(SensorKind.Air, "pm10", out _));
    }

    [Fact]
    public void Metric_names_are_case_sensitive()
    {
        var catalog = MetricCatalog.Default.With([new MetricDefinition(SensorKind.Air, "PM25", Ugm3, 0, 5)]);

        Assert.True(catalog.TryGet(SensorKind.Air, "pm25", out var lower));
        Assert.Equal(1000, lower.Max);
        Assert.True(catalog.TryGet(SensorKind.Air, "PM25", out var upper));
        Assert.Equal(5, upper.Max);
    }
}
