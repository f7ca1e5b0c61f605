using System.Globalization;
using EcoMonitor.Core.Alerting.AirQuality;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.AirQuality.AqiTestSupport;

namespace EcoMonitor.Core.Tests.Alerting.AirQuality;

/// <summary>The standards' worked examples, their special rules, our own mid-segment arithmetic, and input checks.</summary>
public sealed class AqiRuleTests
{
    private const AqiStandard Hj2026 = AqiStandard.Hj633_2026;
    private const AqiStandard Hj2012 = AqiStandard.Hj633_2012;
    private const AqiStandard Epa = AqiStandard.Epa2024;

    private static decimal D(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    // ---- EPA TAD worked examples ----

    [Fact]
    public void TAD_example_8h_ozone_0_078_is_125_5_rounded_half_up_to_126()
    {
        // (150 − 101)/(0.085 − 0.071)·(0.078 − 0.071) + 101 = 125.5 → 126.
        var result = Calc(Epa, ("o3_8h", 0.078m), ("pm25_24h", 35.9m), ("co_8h", 8.4m));

        Assert.Equal(126, result["o3_8h"].Iaqi);
        Assert.Equal(102, result["pm25_24h"].Iaqi); // 49/19.9·0.4 + 101 = 101.98
        Assert.Equal(90, result["co_8h"].Iaqi);     // 49/4.9·3.9 + 51 = 90 exactly
        Assert.Equal(126, result.Aqi);
        Assert.Equal(["o3_8h"], result.Primary);
        Assert.Equal("Unhealthy for Sensitive Groups", result.Band!.Category);
    }

    [Fact]
    public void TAD_1h_ozone_0_162_is_147_not_the_148_the_TAD_prints()
    {
        // 49/0.039·0.037 + 101 = 147.487…: the TAD's "148" is an arithmetic slip (reference §0.4).
        Assert.Equal(147, One(Epa, "o3_1h", 0.162m).Iaqi);
    }

    [Theory]
    [InlineData("0.072", 105)]   // 101 + 3.5 = 104.5: half up
    [InlineData("0.073", 108)]   // 101 + 7
    [InlineData("0.074", 112)]   // 101 + 10.5
    [InlineData("0.0789", 126)]  // truncated to 0.078, never rounded to 0.079 (129)
    public void EPA_rounds_the_index_half_up_after_truncating_the_input(string ppm, int index) =>
        Assert.Equal(index, One(Epa, "o3_8h", D(ppm)).Iaqi);

    [Theory]
    [InlineData("pm25_24h", "9.09", "9.0", 50)]
    [InlineData("pm25_24h", "35.49", "35.4", 100)]
    [InlineData("pm10_24h", "54.9", "54", 50)]
    [InlineData("o3_8h", "0.0549", "0.054", 50)]
    [InlineData("co_8h", "4.49", "4.4", 50)]
    [InlineData("so2_1h", "35.9", "35", 50)]
    [InlineData("no2_1h", "53.9", "53", 50)]
    [InlineData("o3_1h", "0.1249", "0.124", null)]
    public void EPA_truncates_each_pollutant_to_its_precision(string name, string given, string used, int? index)
    {
        var sub = One(Epa, name, D(given));

        Assert.Equal(D(used), sub.Used);
        Assert.Equal(index, sub.Iaqi);
    }

    // ---- EPA special rules ----

    [Theory]
    [InlineData("0.200", 300)]
    [InlineData("0.2009", 300)]  // truncates to 0.200
    public void EPA_8h_ozone_defines_up_to_300(string ppm, int index) => Assert.Equal(index, One(Epa, "o3_8h", D(ppm)).Iaqi);

    [Theory]
    [InlineData("0.201")]
    [InlineData("0.500")]
    public void EPA_8h_ozone_at_or_above_0_201_has_no_index_and_says_to_use_1h(string ppm)
    {
        var sub = One(Epa, "o3_8h", D(ppm));

        Assert.Null(sub.Iaqi);
        Assert.Contains("o3_1h", sub.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void EPA_8h_ozone_above_0_200_with_1h_ozone_takes_the_1h_index()
    {
        var result = Calc(Epa, ("o3_8h", 0.25m), ("o3_1h", 0.405m));

        Assert.Null(result["o3_8h"].Iaqi);
        Assert.Equal(301, result.Aqi);
        Assert.Equal(["o3_1h"], result.Primary);
    }

    [Fact]
    public void EPA_1h_ozone_is_optional_and_below_0_125_has_no_index()
    {
        var result = Calc(Epa, ("o3_1h", 0.124m), ("o3_8h", 0.060m));

        Assert.Null(result["o3_1h"].Iaqi);
        Assert.Equal(67, result.Aqi); // 51 + 49/0.015·0.005 = 67.33
        Assert.Equal(["o3_8h"], result.Primary);
    }

    [Fact]
    public void EPA_1h_ozone_and_8h_ozone_report_the_higher()
    {
        var result = Calc(Epa, ("o3_1h", 0.162m), ("o3_8h", 0.078m));

        Assert.Equal(147, result.Aqi);
        Assert.Equal(["o3_1h"], result.Primary);
    }

    [Fact]
    public void EPA_SO2_1h_below_305_uses_the_1h_table() => Assert.Equal(200, One(Epa, "so2_1h", 304m).Iaqi);

    [Fact]
    public void EPA_SO2_1h_at_305_with_24h_below_305_is_fixed_at_200()
    {
        var result = Calc(Epa, ("so2_1h", 305m), ("so2_24h", 304m));

        Assert.Equal(200, result["so2_1h"].Iaqi);
        Assert.Null(result["so2_24h"].Iaqi);
        Assert.Equal(200, result.Aqi);
        Assert.Equal(["so2_1h"], result.Primary);
    }

    [Fact]
    public void EPA_SO2_1h_at_305_with_24h_at_305_uses_the_24h_rows()
    {
        var result = Calc(Epa, ("so2_1h", 900m), ("so2_24h", 305m));

        Assert.Null(result["so2_1h"].Iaqi);
        Assert.Contains("so2_24h", result["so2_1h"].Note, StringComparison.Ordinal);
        Assert.Equal(201, result["so2_24h"].Iaqi);
        Assert.Equal(201, result.Aqi);
    }

    [Fact]
    public void EPA_SO2_1h_at_305_without_24h_reports_200_and_asks_for_it()
    {
        var sub = One(Epa, "so2_1h", 1000m);

        Assert.Equal(200, sub.Iaqi);
        Assert.Contains("so2_24h", sub.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void EPA_SO2_24h_below_305_has_no_index()
    {
        var result = Calc(Epa, ("so2_24h", 304.9m), ("so2_1h", 100m));

        Assert.Null(result["so2_24h"].Iaqi);
        Assert.Equal(112, result.Aqi); // 101 + 49/109·24 = 111.79
    }

    [Theory]
    [InlineData("pm25_24h", "325.4", 500)]
    [InlineData("pm25_24h", "325.5", 500)]   // 301 + 199·100/999 = 500.2
    [InlineData("pm25_24h", "425.4", 699)]   // 301 + 199·199.9/99.9 = 699.2
    [InlineData("pm10_24h", "604", 500)]
    [InlineData("pm10_24h", "700", 607)]     // 301 + 199·275/179 = 606.7
    [InlineData("o3_1h", "0.604", 500)]
    [InlineData("o3_1h", "0.704", 600)]      // 301 + 199·0.299/0.199 = 600 exactly
    [InlineData("co_8h", "50.4", 500)]
    [InlineData("co_8h", "60", 596)]         // 301 + 199·29.5/19.9 = 596 exactly
    [InlineData("so2_24h", "1004", 500)]
    [InlineData("so2_24h", "1100", 548)]     // 301 + 199·495/399 = 547.9
    [InlineData("no2_1h", "2049", 500)]
    [InlineData("no2_1h", "3000", 737)]      // 301 + 199·1750/799 = 736.9
    public void EPA_extrapolates_the_301_500_row_above_500(string name, string concentration, int index)
    {
        var result = Calc(Epa, (name, D(concentration)));

        Assert.Equal(index, result.Aqi);
        Assert.Equal(6, result.Band!.Level);
        Assert.Equal("Hazardous", result.Band.Category);
    }

    // ---- HJ 633: the caiyunapp/aqi-hub bug, exact ceiling, own arithmetic ----

    [Theory]
    [InlineData(Hj2026)]
    [InlineData(Hj2012)]
    public void SO2_24h_uses_its_own_breakpoints_not_the_1h_ones(AqiStandard version)
    {
        // aqi-hub's table gives 50 and 100 here: it uses the 1-h limits 150/500 for the 24-h average.
        Assert.Equal(100, One(version, "so2_24h", 150m).Iaqi);
        Assert.Equal(154, One(version, "so2_24h", 500m).Iaqi); // 150 + 50/325·25 = 153.85
    }

    [Fact]
    public void Ceiling_is_exact_where_floating_point_is_not()
    {
        // CO 24-h 2.2 mg/m³: 25·0.2 + 50 is 55.000000000000007 in doubles, which a ceiling makes 56.
        Assert.Equal(56d, Math.Ceiling(((100d - 50d) / (4d - 2d) * (2.2d - 2d)) + 50d));
        Assert.Equal(55, One(Hj2026, "co_24h", 2.2m).Iaqi);
        Assert.Equal(55, One(Hj2012, "co_24h", 2.2m).Iaqi);

        // And the reference's own example: 50/35·35 is exactly 50, not 51.
        Assert.Equal(50, AqiMath.CeilingIndex(new BreakpointSegment(0, 35, 0, 50), 35m));
        Assert.Equal(50, One(Hj2026, "pm25_24h", 35m).Iaqi);
        Assert.Equal(50, One(Hj2012, "pm25_24h", 35m).Iaqi);
    }

    [Theory]
    [InlineData(Hj2026, "pm25_24h", "100", 137)]  // 100 + 50/55·40 = 136.36
    [InlineData(Hj2012, "pm25_24h", "100", 132)]  // 100 + 50/40·25 = 131.25
    [InlineData(Hj2026, "pm10_24h", "200", 131)]  // 100 + 50/130·80 = 130.77
    [InlineData(Hj2012, "pm10_24h", "200", 125)]  // 100 + 50/100·50 = 125 exactly
    [InlineData(Hj2026, "co_24h", "3.3", 83)]     // 50 + 25·1.3 = 82.5
    [InlineData(Hj2026, "no2_1h", "1000", 180)]   // 150 + 50/500·300 = 180 exactly
    [InlineData(Hj2026, "o3_8h", "200", 137)]     // 100 + 50/55·40 = 136.36
    [InlineData(Hj2012, "o3_1h", "210", 105)]     // 100 + 50/100·10
    [InlineData(Hj2026, "so2_24h", "1000", 225)]  // 200 + 100/800·200 = 225
    [InlineData(Hj2026, "no2_24h", "600", 319)]   // 300 + 100/185·35 = 318.92
    public void HJ_mid_segment_values(AqiStandard version, string name, string concentration, int iaqi) =>
        Assert.Equal(iaqi, One(version, name, D(concentration)).Iaqi);

    // ---- HJ 633-2026 input rounding (GB/T 8170: half to even) ----

    [Theory]
    [InlineData("pm25_24h", "34.5", "34", 49)]   // half to even: down; 50/35·34 = 48.57
    [InlineData("pm25_24h", "35.5", "36", 52)]   // half to even: up
    [InlineData("pm25_24h", "60.5", "60", 100)]
    [InlineData("pm25_24h", "61.5", "62", 102)]  // 100 + 50/55·2 = 101.82
    [InlineData("pm25_24h", "60.51", "61", 101)] // more than half: up
    [InlineData("pm25_24h", "35.4", "35", 50)]
    [InlineData("co_24h", "2.05", "2.0", 50)]
    [InlineData("co_24h", "2.15", "2.2", 55)]
    [InlineData("co_24h", "2.25", "2.2", 55)]
    [InlineData("co_24h", "2.35", "2.4", 60)]
    public void HJ_2026_rounds_inputs_half_to_even_before_the_table(string name, string given, string used, int iaqi)
    {
        var sub = One(Hj2026, name, D(given));

        Assert.Equal(D(used), sub.Used);
        Assert.Equal(iaqi, sub.Iaqi);
    }

    [Theory]
    [InlineData("35.5", 51)]  // 50 + 1.25·0.5 = 50.63
    [InlineData("34.5", 50)]  // 50/35·34.5 = 49.29
    public void HJ_2012_prescribes_no_input_rounding(string given, int iaqi)
    {
        var sub = One(Hj2012, "pm25_24h", D(given));

        Assert.Equal(D(given), sub.Used);
        Assert.Equal(iaqi, sub.Iaqi);
    }

    [Fact]
    public void Doubles_become_the_decimal_they_print_as_before_rounding()
    {
        // 2.15 as a double is 2.14999999999999991…; half-to-even of the exact binary value would give 2.1 (53).
        var result = AqiCalculator.For(Hj2026).Calculate([new KeyValuePair<string, double>("co_24h", 2.15)]);

        Assert.Equal(2.2m, result["co_24h"].Used);
        Assert.Equal(55, result.Aqi);
    }

    // ---- HJ over-800 rules ----

    [Theory]
    [InlineData("800", 200)]
    [InlineData("800.5", 200)]  // rounds to 800
    [InlineData("801", 200)]
    [InlineData("5000", 200)]
    public void HJ_2026_SO2_1h_above_800_counts_as_200(string concentration, int iaqi) =>
        Assert.Equal(iaqi, One(Hj2026, "so2_1h", D(concentration)).Iaqi);

    [Fact]
    public void HJ_2012_SO2_1h_above_800_has_no_IAQI_and_the_24h_average_gives_SO2s()
    {
        Assert.Equal(200, One(Hj2012, "so2_1h", 800m).Iaqi);

        var result = Calc(Hj2012, ("so2_1h", 800.1m), ("so2_24h", 300m));

        Assert.Null(result["so2_1h"].Iaqi);
        Assert.Contains("so2_24h", result["so2_1h"].Note, StringComparison.Ordinal);
        Assert.Equal(124, result.Aqi); // 100 + 50/325·150 = 123.08
        Assert.Equal(["so2_24h"], result.Primary);
    }

    [Theory]
    [InlineData("800", 300)]
    [InlineData("801", 300)]
    [InlineData("2000", 300)]
    public void HJ_2026_O3_8h_above_800_counts_as_300(string concentration, int iaqi) =>
        Assert.Equal(iaqi, One(Hj2026, "o3_8h", D(concentration)).Iaqi);

    [Fact]
    public void HJ_2012_O3_8h_above_800_has_no_IAQI_and_the_1h_average_gives_O3s()
    {
        Assert.Equal(300, One(Hj2012, "o3_8h", 800m).Iaqi);

        var result = Calc(Hj2012, ("o3_8h", 900m), ("o3_1h", 900m));

        Assert.Null(result["o3_8h"].Iaqi);
        Assert.Contains("o3_1h", result["o3_8h"].Note, StringComparison.Ordinal);
        Assert.Equal(350, result.Aqi); // 300 + 100/200·100
        Assert.Equal(["o3_1h"], result.Primary);
    }

    [Fact]
    public void HJ_2012_with_only_an_undefined_input_has_no_AQI()
    {
        var result = Calc(Hj2012, ("o3_8h", 900m));

        Assert.Null(result.Aqi);
        Assert.Null(result.Band);
        Assert.Empty(result.Primary);
    }

    // ---- HJ 2026 PM 1-h, caps ----

    [Theory]
    [InlineData("pm25_1h", "60", 100)]
    [InlineData("pm25_1h", "100", 137)]
    [InlineData("pm10_1h", "120", 100)]
    [InlineData("pm10_1h", "200", 131)]
    public void HJ_2026_indexes_PM_1h_averages_with_the_24h_breakpoints(string name, string concentration, int iaqi)
    {
        var sub = One(Hj2026, name, D(concentration));

        Assert.Equal(iaqi, sub.Iaqi);
        Assert.Contains("24-h breakpoints", sub.Note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pm25_1h")]
    [InlineData("pm10_1h")]
    public void HJ_2012_has_no_PM_1h_input(string name)
    {
        var ex = Assert.Throws<AqiInputException>(() => Calc(Hj2012, (name, 50m)));

        Assert.Contains("no 1-h PM breakpoints", Assert.Single(ex.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Hj2026, "pm25_24h", "501")]
    [InlineData(Hj2026, "pm25_1h", "900")]
    [InlineData(Hj2012, "pm10_24h", "601")]
    [InlineData(Hj2012, "no2_1h", "5000")]
    [InlineData(Hj2026, "co_1h", "150.1")]
    [InlineData(Hj2012, "o3_1h", "1200.01")]
    public void HJ_caps_concentrations_above_the_top_breakpoint_at_500_and_says_so(AqiStandard version, string name, string concentration)
    {
        var result = Calc(version, (name, D(concentration)));

        Assert.Equal(500, result.Aqi);
        Assert.Contains("capped at IAQI 500", result[name].Note, StringComparison.Ordinal);
        Assert.Equal(6, result.Band!.Level);
    }

    // ---- primary and non-attainment pollutants ----

    [Fact]
    public void HJ_primary_pollutants_include_every_tie()
    {
        var result = Calc(Hj2026, ("pm25_24h", 60m), ("pm10_24h", 120m), ("no2_24h", 80m), ("so2_24h", 10m));

        Assert.Equal(100, result.Aqi);
        Assert.Equal(["pm25_24h", "pm10_24h", "no2_24h"], result.Primary);
    }

    [Theory]
    [InlineData(Hj2026)]
    [InlineData(Hj2012)]
    public void HJ_has_no_primary_pollutant_when_AQI_is_50_or_less(AqiStandard version)
    {
        var at50 = Calc(version, ("pm25_24h", 35m), ("pm10_24h", 10m));
        var at51 = Calc(version, ("pm25_24h", 35m), ("pm10_24h", 51m));

        Assert.Equal(50, at50.Aqi);
        Assert.Empty(at50.Primary);
        Assert.Equal(51, at51.Aqi);
        Assert.Equal(["pm10_24h"], at51.Primary);
    }

    [Fact]
    public void EPA_names_the_main_pollutant_at_any_AQI()
    {
        var result = Calc(Epa, ("pm25_24h", 5m), ("o3_8h", 0.010m));

        Assert.Equal(28, result.Aqi); // 50/9·5 = 27.78
        Assert.Equal(["pm25_24h"], result.Primary);
    }

    [Fact]
    public void HJ_2012_lists_non_attainment_pollutants_above_100()
    {
        var result = Calc(Hj2012, ("pm25_24h", 76m), ("pm10_24h", 150m), ("o3_8h", 300m), ("no2_24h", 10m));

        Assert.Equal(["pm25_24h", "o3_8h"], result.NonAttainment); // pm10 at exactly 100 attains
        Assert.Equal(["o3_8h"], result.Primary);
    }

    [Theory]
    [InlineData(Hj2026)]
    [InlineData(Epa)]
    public void Only_HJ_2012_has_non_attainment_pollutants(AqiStandard standard) =>
        Assert.Null(Calc(standard, ("pm25_24h", 200m)).NonAttainment);

    // ---- bad input ----

    [Fact]
    public void Unknown_names_negative_and_repeated_values_are_all_reported()
    {
        var ex = Assert.Throws<AqiInputException>(() => Calc(Epa, ("pm25", 1m), ("no2_1h", -1m), ("co_8h", 1m), ("co_8h", 2m), ("co_24h", 1m)));

        Assert.Equal(4, ex.Problems.Count);
        Assert.StartsWith("pm25: not an input of epa-2024; it takes pm25_24h, pm10_24h", ex.Problems[0], StringComparison.Ordinal);
        Assert.StartsWith("no2_1h: -1 ppb is negative", ex.Problems[1], StringComparison.Ordinal);
        Assert.Equal("co_8h: given more than once", ex.Problems[2]);
        Assert.StartsWith("co_24h: not an input of epa-2024", ex.Problems[3], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_values_are_refused(double value)
    {
        var ex = Assert.Throws<AqiInputException>(() =>
            AqiCalculator.For(Hj2026).Calculate([new KeyValuePair<string, double>("pm25_24h", value)]));

        Assert.EndsWith("is not a finite number", Assert.Single(ex.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Absurd_values_are_refused() =>
        Assert.Throws<AqiInputException>(() => AqiCalculator.For(Epa).Calculate([new KeyValuePair<string, double>("pm25_24h", 1e30)]));

    [Fact]
    public void No_input_is_an_error()
    {
        var ex = Assert.Throws<AqiInputException>(() => Calc(Hj2026));

        Assert.StartsWith("no concentrations given", Assert.Single(ex.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_is_a_concentration() => Assert.Equal(0, Calc(Hj2026, ("pm25_24h", 0m)).Aqi);

    [Theory]
    [InlineData("hj633-2026", AqiStandard.Hj633_2026)]
    [InlineData("hj633-2012", AqiStandard.Hj633_2012)]
    [InlineData("epa-2024", AqiStandard.Epa2024)]
    public void Standard_names_round_trip(string name, AqiStandard standard)
    {
        Assert.True(AqiStandards.TryParse(name, out var parsed));
        Assert.Equal(standard, parsed);
        Assert.Equal(name, standard.Name());
    }

    [Fact]
    public void Unknown_standard_names_do_not_parse() => Assert.False(AqiStandards.TryParse("hj633", out _));
}
