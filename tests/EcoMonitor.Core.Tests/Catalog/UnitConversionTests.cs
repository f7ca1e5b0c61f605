using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using Xunit;

namespace EcoMonitor.Core.Tests.Catalog;

public sealed class UnitConversionTests
{
    private const SensorKind Air = SensorKind.Air;
    private const SensorKind Water = SensorKind.Water;
    private const SensorKind Soil = SensorKind.Soil;

    // The micro sign (U+00B5, the catalog's spelling) and Greek mu (U+03BC) look identical; spell them out.
    private const string MicroSign = "\u00b5";
    private const string GreekMu = "\u03bc";
    private const string Ugm3 = MicroSign + "g/m\u00b3";
    private const string Mgm3 = "mg/m\u00b3";
    private const string Uscm = MicroSign + "S/cm";
    private const string Celsius = "\u00b0C";

    /// <summary>Molar volume at 25 °C and 1013.25 hPa (GB 3095), L/mol.</summary>
    private const double Vm = 24.465;

    private static readonly string[] PmMetrics = ["pm25", "pm10", "pm1"];
    private static readonly string[] Gases = ["so2", "no2", "o3"];
    private static readonly string[] WaterMgL = ["do", "nh3n", "codmn", "cod", "tp", "tn"];
    private static readonly string[] SoilMgKg = ["n", "p", "k", "cd", "hg", "as", "pb", "cr", "cu", "ni", "zn"];

    /// <summary>(kind, metric, unit as sent, value, expected value in the catalog unit), every expectation worked by hand.</summary>
    public static TheoryData<SensorKind, string, string, double, double> Conversions { get; } = BuildConversions();

    private static TheoryData<SensorKind, string, string, double, double> BuildConversions()
    {
        var data = new TheoryData<SensorKind, string, string, double, double>();

        foreach (var kind in SensorKinds.All)
        {
            // Celsius aliases: SenML "Cel", Tasmota "C", ℃ (U+2103) and surrounding blanks are all °C.
            foreach (var alias in new[] { Celsius, "Cel", "C", "degC", "celsius", "Celsius", "\u2103", " Cel " })
            {
                data.Add(kind, "temperature", alias, 21.5, 21.5);
            }

            // °F → °C: (F − 32) × 5/9. 68 °F = 20 °C, 32 °F = 0 °C, −40 °F = −40 °C, 212 °F = 100 °C (out of range, still converted).
            foreach (var alias in new[] { "\u00b0F", "F", "degF", "\u2109" })
            {
                data.Add(kind, "temperature", alias, 68, 20);
            }

            data.Add(kind, "temperature", "F", 32, 0);
            data.Add(kind, "temperature", "F", -40, -40);
            data.Add(kind, "temperature", "F", 212, 100);
            data.Add(kind, "temperature", "F", 50.9, 10.5);

            // K → °C: K − 273.15.
            data.Add(kind, "temperature", "K", 293.15, 20);
            data.Add(kind, "temperature", "K", 273.15, 0);
            data.Add(kind, "temperature", "K", 233.15, -40);
        }

        // Pressure → hPa. 1 hPa = 100 Pa = 1 mbar; 1 kPa = 10 hPa; 1 bar = 1000 hPa.
        data.Add(Air, "pressure", "hPa", 1013.25, 1013.25);
        data.Add(Air, "pressure", "Pa", 101325, 1013.25);
        data.Add(Air, "pressure", "Pa", 97224.53, 972.2453); // the Sensor.Community wiki's BME280_pressure
        data.Add(Air, "pressure", "mbar", 1013.25, 1013.25);
        data.Add(Air, "pressure", "kPa", 101.325, 1013.25);
        data.Add(Air, "pressure", "mmHg", 760, 760 * 133.322387415 / 100);
        data.Add(Air, "pressure", "inHg", 28.85, 28.85 * 3386.389 / 100);
        data.Add(Air, "pressure", "bar", 1.01325, 1013.25);

        // Particulates: every µg/m³ spelling is identity; mg/m³ × 1000.
        foreach (var name in PmMetrics.Concat(Gases))
        {
            foreach (var alias in new[]
            {
                Ugm3, GreekMu + "g/m\u00b3", "ug/m3", "ug/m^3", "ug/m\u00b3", MicroSign + "g/m3", GreekMu + "g/m3",
                MicroSign + "g/m^3", GreekMu + "g/m^3",
            })
            {
                data.Add(Air, name, alias, 35.2, 35.2);
            }

            data.Add(Air, name, Mgm3, 0.035, 35);
            data.Add(Air, name, "mg/m3", 0.035, 35);
        }

        // Gases at 25 °C / 1013.25 hPa: µg/m³ = ppb × M / 24.465 = ppm × 1000 × M / 24.465.
        data.Add(Air, "no2", "ppb", 100, 100 * 46.01 / Vm); // 188.06…: the US AQI 100 breakpoint
        data.Add(Air, "no2", "ppm", 0.1, 100 * 46.01 / Vm);
        data.Add(Air, "so2", "ppb", 75, 75 * 64.06 / Vm); // 196.4…
        data.Add(Air, "so2", "ppm", 1, 1000 * 64.06 / Vm); // 2618.4…
        data.Add(Air, "o3", "ppb", 70, 70 * 48.00 / Vm); // 137.3…
        data.Add(Air, "o3", "ppm", 0.070, 0.070 * 1000 * 48.00 / Vm);
        data.Add(Air, "o3", "ppm", 1, 1000 * 48.00 / Vm); // 1962.0…

        // CO's catalog unit is mg/m³: mg/m³ = ppm × M / 24.465.
        data.Add(Air, "co", Mgm3, 1.5, 1.5);
        data.Add(Air, "co", "mg/m3", 1.5, 1.5);
        data.Add(Air, "co", Ugm3, 1145, 1.145);
        data.Add(Air, "co", "ug/m3", 1145, 1.145);
        data.Add(Air, "co", "ppm", 1, 28.01 / Vm); // 1.1449…
        data.Add(Air, "co", "ppm", 9, 9 * 28.01 / Vm);
        data.Add(Air, "co", "ppb", 1000, 28.01 / Vm);

        // CO2 stays a mole fraction: ppb / 1000.
        data.Add(Air, "co2", "ppm", 415, 415);
        data.Add(Air, "co2", "ppb", 415_000, 415);

        data.Add(Air, "humidity", "%RH", 53.1, 53.1);
        data.Add(Air, "humidity", "%", 53.1, 53.1);

        // Noise: SenML only has "dB"; meters report A-weighted LAeq.
        foreach (var alias in new[] { "dB(A)", "dBA", "dB" })
        {
            data.Add(Air, "noise", alias, 54.3, 54.3);
        }

        data.Add(Water, "ph", "pH", 7.2, 7.2);
        data.Add(Water, "ph", "/", 7.2, 7.2);
        data.Add(Soil, "ph", "pH", 6.5, 6.5);
        data.Add(Soil, "ph", "/", 6.5, 6.5);

        // Conductivity → µS/cm: 1 mS/cm = 1000 µS/cm; 1 S/m = 0.01 S/cm = 10 000 µS/cm; 1 mS/m = 10 µS/cm.
        foreach (var (kind, name) in new[] { (Water, "conductivity"), (Soil, "ec") })
        {
            foreach (var alias in new[] { Uscm, GreekMu + "S/cm", "uS/cm" })
            {
                data.Add(kind, name, alias, 1413, 1413);
            }

            data.Add(kind, name, "mS/cm", 1.413, 1413);
            data.Add(kind, name, "S/m", 1, 10_000);
            data.Add(kind, name, "S/m", 0.1413, 1413);
            data.Add(kind, name, "mS/m", 1, 10);
            data.Add(kind, name, "mS/m", 141.3, 1413);
        }

        // FNU is numerically NTU.
        data.Add(Water, "turbidity", "NTU", 12.5, 12.5);
        data.Add(Water, "turbidity", "FNU", 12.5, 12.5);

        data.Add(Water, "orp", "mV", 650, 650);
        data.Add(Water, "orp", "V", 0.65, 650);
        data.Add(Water, "orp", "V", -0.2, -200);

        // Water quantities in mg/L: 1 ppm ≈ 1 mg/L in dilute water.
        foreach (var name in WaterMgL)
        {
            foreach (var alias in new[] { "mg/L", "mg/l", "ppm" })
            {
                data.Add(Water, name, alias, 8.4, 8.4);
            }
        }

        foreach (var alias in new[] { "% VWC", "%VWC", "%" })
        {
            data.Add(Soil, "moisture", alias, 23.4, 23.4);
        }

        // Soil contents in mg/kg: 1 ppm = 1 mg/kg exactly (by mass).
        foreach (var name in SoilMgKg)
        {
            data.Add(Soil, name, "mg/kg", 120.5, 120.5);
            data.Add(Soil, name, "ppm", 120.5, 120.5);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Conversions))]
    public void Converts_to_the_catalog_unit(SensorKind kind, string name, string unit, double value, double expected)
    {
        var target = Metric(kind, name);

        Assert.True(UnitConversion.TryConvert(target, value, unit, out var converted, out var error), error);

        Assert.Equal(string.Empty, error);
        AssertClose(expected, converted);
    }

    [Fact]
    public void Every_catalog_metric_has_a_conversion_from_another_spelling()
    {
        var covered = Conversions
            .Where(row => MetricCatalog.Default.TryGet(row.Data.Item1, row.Data.Item2, out var metric) && metric.Unit != row.Data.Item3)
            .Select(row => (row.Data.Item1, row.Data.Item2))
            .ToHashSet();

        Assert.All(MetricCatalog.Default.Metrics, metric => Assert.Contains((metric.Kind, metric.Name), covered));
    }

    [Fact]
    public void Catalog_unit_itself_is_identity_for_every_metric()
    {
        foreach (var metric in MetricCatalog.Default.Metrics)
        {
            foreach (var value in new[] { 0d, 12.34, -7.5, 1e-9, 99999.99 })
            {
                Assert.True(UnitConversion.TryConvert(metric, value, metric.Unit, out var converted, out var error), error);
                Assert.Equal(value, converted); // bit for bit, no round trip through a base unit
                Assert.Equal(string.Empty, error);
            }
        }
    }

    [Theory]
    [InlineData(Air, "pressure", "hPa", 1013.3)]
    [InlineData(Air, "pm25", "ug/m3", 0.1)]
    [InlineData(Air, "co", "mg/m3", 0.3)]
    [InlineData(Water, "do", "mg/l", 7.77)]
    [InlineData(Water, "conductivity", "uS/cm", 0.7)]
    public void Other_spelling_of_the_catalog_unit_keeps_the_value_exactly(SensorKind kind, string name, string unit, double value)
    {
        Assert.True(UnitConversion.TryConvert(Metric(kind, name), value, unit, out var converted, out _));

        Assert.Equal(value, converted);
    }

    [Fact]
    public void Pa_for_pm25_is_refused_with_a_clear_message()
    {
        Assert.False(UnitConversion.TryConvert(Metric(Air, "pm25"), 101325, "Pa", out var converted, out var error));

        Assert.Equal("unit 'Pa' cannot be converted to \u00b5g/m\u00b3 for pm25", error);
        Assert.True(double.IsNaN(converted));
    }

    [Theory]
    [InlineData("pm25", "ppm")]
    [InlineData("pm25", "ppb")]
    [InlineData("pm10", "ppm")]
    [InlineData("pm1", "ppb")]
    public void Parts_per_for_particulates_is_refused_because_they_have_no_molar_mass(string name, string unit)
    {
        Assert.False(UnitConversion.TryConvert(Metric(Air, name), 10, unit, out var converted, out var error));

        Assert.StartsWith($"unit '{unit}' cannot be converted to {Ugm3} for {name}", error, StringComparison.Ordinal);
        Assert.Contains("molar mass", error, StringComparison.Ordinal);
        Assert.True(double.IsNaN(converted));
    }

    [Theory]
    [InlineData(Ugm3)]
    [InlineData("ug/m3")]
    [InlineData(Mgm3)]
    public void Mass_concentration_for_co2_is_refused_because_no_molar_mass_is_configured(string unit)
    {
        Assert.False(UnitConversion.TryConvert(Metric(Air, "co2"), 750, unit, out _, out var error));

        Assert.Contains("molar mass", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Air, "pm25", "furlongs")]
    [InlineData(Air, "pressure", "torr")]
    [InlineData(Air, "temperature", "Kel")]
    [InlineData(Water, "turbidity", "JTU")]
    [InlineData(Soil, "ec", "dS/m")]
    [InlineData(Air, "noise", "dBm")]
    public void Unknown_unit_is_refused_as_unknown(SensorKind kind, string name, string unit)
    {
        var target = Metric(kind, name);

        Assert.False(UnitConversion.TryConvert(target, 1, unit, out var converted, out var error));

        Assert.Equal($"unit '{unit}' is not a known unit; cannot convert to {target.Unit} for {name}", error);
        Assert.True(double.IsNaN(converted));
    }

    [Theory]
    [InlineData(Air, "pressure", "PA")] // case matters: mPa and MPa differ by 10⁹
    [InlineData(Air, "pressure", "HPA")]
    [InlineData(Air, "pressure", "hpa")]
    [InlineData(Air, "pressure", "MPa")]
    [InlineData(Air, "co2", "PPM")]
    [InlineData(Air, "temperature", "k")]
    [InlineData(Air, "temperature", "c")]
    [InlineData(Water, "ph", "PH")]
    [InlineData(Water, "do", "MG/L")]
    [InlineData(Water, "conductivity", "US/cm")]
    public void Spellings_are_case_sensitive(SensorKind kind, string name, string unit)
    {
        Assert.False(UnitConversion.TryConvert(Metric(kind, name), 1, unit, out _, out var error));

        Assert.Contains($"'{unit}'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Water, "ph", Celsius)]
    [InlineData(Water, "ph", "Cel")]
    [InlineData(Soil, "ph", "%")]
    [InlineData(Air, "pm25", "Cel")]
    [InlineData(Air, "pm25", "hPa")]
    [InlineData(Air, "pm25", "mg/L")]
    [InlineData(Air, "pm25", "%")]
    [InlineData(Air, "pressure", Celsius)]
    [InlineData(Air, "pressure", "ppm")]
    [InlineData(Air, "temperature", "Pa")]
    [InlineData(Air, "temperature", "%")]
    [InlineData(Air, "humidity", "% VWC")] // relative humidity is not volumetric water content
    [InlineData(Air, "humidity", "%VWC")]
    [InlineData(Soil, "moisture", "%RH")]
    [InlineData(Air, "co2", "mg/L")]
    [InlineData(Air, "co2", "mg/kg")]
    [InlineData(Air, "co", "mg/L")]
    [InlineData(Air, "noise", "/")]
    [InlineData(Water, "do", "/")] // "/" is for pH only
    [InlineData(Water, "do", "mg/kg")]
    [InlineData(Water, "do", "ppb")]
    [InlineData(Water, "do", "%")]
    [InlineData(Water, "orp", "pH")]
    [InlineData(Water, "orp", "dB")]
    [InlineData(Water, "turbidity", "mg/L")]
    [InlineData(Water, "turbidity", "/")]
    [InlineData(Water, "conductivity", "mV")]
    [InlineData(Soil, "ec", "mg/kg")]
    [InlineData(Soil, "n", "mg/L")]
    [InlineData(Soil, "n", "ppb")]
    [InlineData(Soil, "moisture", "/")]
    public void Unit_of_another_quantity_is_refused(SensorKind kind, string name, string unit)
    {
        var target = Metric(kind, name);

        Assert.False(UnitConversion.TryConvert(target, 1, unit, out var converted, out var error));

        Assert.StartsWith($"unit '{unit}' cannot be converted to {target.Unit} for {name}", error, StringComparison.Ordinal);
        Assert.True(double.IsNaN(converted));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Missing_unit_is_left_to_the_caller(string? unit)
    {
        Assert.False(UnitConversion.TryConvert(Metric(Air, "pm25"), 12, unit!, out var converted, out var error));

        Assert.Contains("no unit given for pm25", error, StringComparison.Ordinal);
        Assert.True(double.IsNaN(converted));
    }

    [Fact]
    public void Null_target_throws()
    {
        Assert.Throws<ArgumentNullException>(() => UnitConversion.TryConvert(null!, 1, "Pa", out _, out _));
    }

    [Fact]
    public void Non_finite_values_pass_through_for_validation_to_reject()
    {
        Assert.True(UnitConversion.TryConvert(Metric(Air, "pressure"), double.NaN, "Pa", out var nan, out _));
        Assert.True(double.IsNaN(nan));
        Assert.True(UnitConversion.TryConvert(Metric(Air, "pressure"), double.PositiveInfinity, "Pa", out var inf, out _));
        Assert.Equal(double.PositiveInfinity, inf);
    }

    [Fact]
    public void Configured_air_metric_in_a_known_unit_accepts_its_aliases()
    {
        var pm4 = Extended(new MetricDefinition(Air, "pm4", Ugm3, 0, 1000));

        Assert.True(UnitConversion.TryConvert(pm4, 20, "ug/m3", out var micro, out _));
        Assert.Equal(20, micro);
        Assert.True(UnitConversion.TryConvert(pm4, 0.02, "mg/m3", out var milli, out _));
        AssertClose(20, milli);
        Assert.False(UnitConversion.TryConvert(pm4, 20, "ppm", out _, out var error));
        Assert.Contains("molar mass", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Configured_water_metric_in_mg_per_litre_accepts_ppm()
    {
        var fluoride = Extended(new MetricDefinition(Water, "fluoride", "mg/L", 0, 10));

        Assert.True(UnitConversion.TryConvert(fluoride, 0.8, "ppm", out var converted, out _));
        Assert.Equal(0.8, converted);
    }

    [Fact]
    public void Ppm_means_mg_per_litre_only_for_water_metrics()
    {
        // In air ppm is a mole fraction, so an air metric configured in mg/L must not take it as mass.
        var odd = new MetricDefinition(Air, "mist", "mg/L", 0, 10);

        Assert.False(UnitConversion.TryConvert(odd, 0.8, "ppm", out _, out var error));
        Assert.Equal("unit 'ppm' cannot be converted to mg/L for mist", error);
    }

    [Fact]
    public void Configured_metric_in_fahrenheit_converts_from_celsius()
    {
        var legacy = new MetricDefinition(Air, "temperature", "\u00b0F", -40, 185);

        Assert.True(UnitConversion.TryConvert(legacy, 20, "Cel", out var fahrenheit, out _));
        AssertClose(68, fahrenheit);
        Assert.True(UnitConversion.TryConvert(legacy, 293.15, "K", out var fromKelvin, out _));
        AssertClose(68, fromKelvin);
    }

    [Fact]
    public void Gas_configured_in_ppb_converts_from_mass_concentration()
    {
        var no2 = new MetricDefinition(Air, "no2", "ppb", 0, 2000);

        Assert.True(UnitConversion.TryConvert(no2, 100 * 46.01 / Vm, Ugm3, out var ppb, out _));
        AssertClose(100, ppb);
        Assert.True(UnitConversion.TryConvert(no2, 0.1 * 46.01 / Vm, "mg/m3", out var fromMg, out _));
        AssertClose(100, fromMg);
        Assert.True(UnitConversion.TryConvert(no2, 0.1, "ppm", out var fromPpm, out _));
        AssertClose(100, fromPpm);
    }

    [Fact]
    public void Molar_mass_is_looked_up_by_the_exact_metric_name_of_an_air_metric()
    {
        // "NO2" is not "no2" (catalog names are case-sensitive), and a soil "co" would not be carbon monoxide.
        Assert.False(UnitConversion.TryConvert(new MetricDefinition(Air, "NO2", Ugm3, 0, 5000), 100, "ppb", out _, out _));
        Assert.False(UnitConversion.TryConvert(new MetricDefinition(Soil, "co", Mgm3, 0, 200), 1, "ppm", out _, out _));
    }

    [Fact]
    public void Catalog_unit_without_known_conversions_allows_only_identity()
    {
        var salinity = Extended(new MetricDefinition(Water, "salinity", "PSU", 0, 45));

        Assert.True(UnitConversion.TryConvert(salinity, 35, "PSU", out var same, out _));
        Assert.Equal(35, same);
        Assert.False(UnitConversion.TryConvert(salinity, 35, "ppt", out _, out var error));
        Assert.Equal("unit 'ppt' cannot be converted to PSU for salinity: the catalog unit 'PSU' has no known conversions", error);
    }

    [Fact]
    public void Catalog_unit_percent_is_ambiguous_and_allows_only_identity()
    {
        var ambiguous = new MetricDefinition(Soil, "saturation", "%", 0, 100);

        Assert.True(UnitConversion.TryConvert(ambiguous, 40, "%", out var same, out _));
        Assert.Equal(40, same);
        Assert.False(UnitConversion.TryConvert(ambiguous, 40, "% VWC", out _, out _));
        Assert.False(UnitConversion.TryConvert(ambiguous, 40, "%RH", out _, out _));
    }

    private static MetricDefinition Metric(SensorKind kind, string name)
    {
        Assert.True(MetricCatalog.Default.TryGet(kind, name, out var definition), $"{kind}/{name} is not in the catalog");
        return definition;
    }

    private static MetricDefinition Extended(MetricDefinition added)
    {
        var catalog = MetricCatalog.Default.With([added]);
        Assert.True(catalog.TryGet(added.Kind, added.Name, out var definition));
        return definition;
    }

    /// <summary>Equal to within a few ulps: the conversions multiply and divide doubles, the expectations too.</summary>
    private static void AssertClose(double expected, double actual) =>
        Assert.Equal(expected, actual, 1e-12 * Math.Max(1, Math.Abs(expected)));
}
