using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using Xunit;

namespace EcoMonitor.Core.Tests.Alerting.Rules;

/// <summary>
/// What WHO 2021, GB 3838 and GB 15618 profiles expand into: limits exactly as in
/// GB 3095-2026, WHO 2021, GB 3838-2002 and GB 15618-2018, on the catalog's metric names.
/// </summary>
public sealed class ProfileExpansionTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private static IReadOnlyList<AlertRule> Expand(string profile, string? description = null)
    {
        var file = new RulesFileParser(MetricCatalog.Default).Parse($"""
            rules:
              - name: p
                site: "site-*"
                device: "probe-*"
                profile: {profile}
                for: 10m
                severity: warning
            {(description is null ? string.Empty : $"    description: {description}")}
            """);
        Assert.Empty(file.Problems);
        Assert.True(AlertProfiles.TryExpand(Assert.Single(file.Rules), out var rules));
        Assert.All(rules, r =>
        {
            Assert.Equal(("site-*", "probe-*", TimeSpan.FromMinutes(10), AlertSeverity.Warning), (r.Site.Pattern, r.Device.Pattern, r.For!.Value, r.Severity));
            Assert.StartsWith("p/", r.Name, StringComparison.Ordinal);
            Assert.True(MetricCatalog.Default.TryGet(r.Kind!.Value, r.Metric!, out _), $"{r.Metric} is not a catalog metric of {r.Kind}");
        });
        return rules;
    }

    private static ThresholdLevel Level(IReadOnlyList<AlertRule> rules, string name) =>
        Assert.Single(Assert.IsType<ThresholdCondition>(Assert.Single(rules, r => r.Name == name).Condition).Levels);

    private static string Description(IReadOnlyList<AlertRule> rules, string name) =>
        Assert.Single(rules, r => r.Name == name).Description!;

    // ---- WHO 2021 ----

    [Theory]
    [InlineData("aqg", 15, 45, 100, 25, 40, 4)]
    [InlineData("it-1", 75, 150, 160, 120, 125, 7)]
    [InlineData("it-2", 50, 100, 120, 50, 50, 7)]
    [InlineData("it-3", 37.5, 75, 120, 50, 50, 7)]
    [InlineData("it-4", 25, 50, 120, 50, 50, 7)]
    public void WHO_2021_expands_to_24h_and_8h_means_of_the_target(string target, double pm25, double pm10, double o3, double no2, double so2, double co)
    {
        var rules = Expand($"{{ name: who-2021, target: {target} }}");

        Assert.Equal(["p/pm25-24h", "p/pm10-24h", "p/o3-8h", "p/no2-24h", "p/so2-24h", "p/co-24h"], rules.Select(r => r.Name));
        Assert.All(rules, r => Assert.Equal(SensorKind.Air, r.Kind));
        Assert.Equal([pm25, pm10, o3, no2, so2, co], rules.Select(r => Assert.Single(Assert.IsType<ThresholdCondition>(r.Condition).Levels).Value));
        Assert.All(rules, r => Assert.Equal(ThresholdDirection.Above, Assert.IsType<ThresholdCondition>(r.Condition).Levels[0].Direction));
        var day = new WindowAggregate(AggregateFunction.Mean, TimeSpan.FromHours(24), Hour, 20);
        var eight = new WindowAggregate(AggregateFunction.Mean, TimeSpan.FromHours(8), Hour, 6);
        Assert.Equal([day, day, eight, day, day, day], rules.Select(r => Assert.IsType<ThresholdCondition>(r.Condition).Window));
    }

    [Fact]
    public void WHO_interim_targets_a_pollutant_lacks_fall_back_to_its_strictest_defined_one_and_say_so()
    {
        var rules = Expand("{ name: who-2021, target: it-3 }");

        Assert.Equal("WHO 2021 IT-3: PM2.5 24h mean ≤ 37.5 µg/m³", Description(rules, "p/pm25-24h"));
        Assert.Equal("WHO 2021 IT-3 (no IT-3 for O3 8h; IT-2 applies): O3 8h mean ≤ 120 µg/m³", Description(rules, "p/o3-8h"));
        Assert.Equal("WHO 2021 IT-3 (no IT-3 for CO 24h; IT-1 applies): CO 24h mean ≤ 7 mg/m³", Description(rules, "p/co-24h"));
        Assert.Equal("WHO 2021 AQG: SO2 24h mean ≤ 40 µg/m³", Description(Expand("who-2021"), "p/so2-24h"));
    }

    // ---- GB 3838-2002 ----

    [Theory]
    [InlineData("I", 7.5, 2, 15, 0.15, 0.02)]
    [InlineData("II", 6, 4, 15, 0.5, 0.1)]
    [InlineData("III", 5, 6, 20, 1.0, 0.2)]
    [InlineData("IV", 3, 10, 30, 1.5, 0.3)]
    [InlineData("V", 2, 15, 40, 2.0, 0.4)]
    public void GB3838_expands_a_river_class_into_single_factor_thresholds(string targetClass, double @do, double codmn, double cod, double nh3n, double tp)
    {
        var rules = Expand($"{{ name: gb3838-class3, target_class: {targetClass}, waterbody: river }}");

        // Total N is a lakes-and-reservoirs item: no river rule.
        Assert.Equal(["p/ph", "p/do", "p/codmn", "p/cod", "p/nh3n", "p/tp"], rules.Select(r => r.Name));
        Assert.All(rules, r => Assert.Equal(SensorKind.Water, r.Kind));
        Assert.All(rules, r => Assert.Null(Assert.IsType<ThresholdCondition>(r.Condition).Window));
        Assert.Equal(new ThresholdLevel(AlertSeverity.Warning, ThresholdDirection.Outside, 6, High: 9), Level(rules, "p/ph"));
        Assert.Equal(new ThresholdLevel(AlertSeverity.Warning, ThresholdDirection.Below, @do), Level(rules, "p/do"));
        Assert.Equal(new ThresholdLevel(AlertSeverity.Warning, ThresholdDirection.Above, codmn), Level(rules, "p/codmn"));
        Assert.Equal(new ThresholdLevel(AlertSeverity.Warning, ThresholdDirection.Above, cod), Level(rules, "p/cod"));
        Assert.Equal(new ThresholdLevel(AlertSeverity.Warning, ThresholdDirection.Above, nh3n), Level(rules, "p/nh3n"));
        Assert.Equal(new ThresholdLevel(AlertSeverity.Warning, ThresholdDirection.Above, tp), Level(rules, "p/tp"));
    }

    [Theory]
    [InlineData("1", 0.01, 0.2)]
    [InlineData("2", 0.025, 0.5)]
    [InlineData("3", 0.05, 1.0)]
    [InlineData("4", 0.1, 1.5)]
    [InlineData("5", 0.2, 2.0)]
    public void GB3838_lakes_take_the_lake_phosphorus_column_and_total_nitrogen(string targetClass, double tp, double tn)
    {
        var rules = Expand($"{{ name: gb3838-class3, target_class: {targetClass}, waterbody: lake }}");

        Assert.Equal(["p/ph", "p/do", "p/codmn", "p/cod", "p/nh3n", "p/tp", "p/tn"], rules.Select(r => r.Name));
        Assert.Equal(tp, Level(rules, "p/tp").Value);
        Assert.Equal(tn, Level(rules, "p/tn").Value);
    }

    [Fact]
    public void GB3838_descriptions_name_the_standard_the_class_and_the_item()
    {
        var river = Expand("gb3838-class3");
        var lake = Expand("{ name: gb3838-class3, target_class: II, waterbody: lake }", description: "reservoir watch");

        Assert.Equal("GB 3838-2002 class III: NH3-N ≤ 1.0 mg/L", Description(river, "p/nh3n"));
        Assert.Equal("GB 3838-2002 class III: DO ≥ 5 mg/L", Description(river, "p/do"));
        Assert.Equal("GB 3838-2002 class III: pH 6–9", Description(river, "p/ph"));
        Assert.Equal("GB 3838-2002 class III: TP ≤ 0.2 mg/L", Description(river, "p/tp"));
        Assert.Equal("reservoir watch (GB 3838-2002 class II: TP (lake/reservoir) ≤ 0.025 mg/L)", Description(lake, "p/tp"));
        Assert.Equal("reservoir watch (GB 3838-2002 class II: TN (lake/reservoir) ≤ 0.5 mg/L)", Description(lake, "p/tn"));
    }

    // ---- GB 15618-2018 ----

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(5.5, 0)]
    [InlineData(5.51, 1)]
    [InlineData(6.5, 1)]
    [InlineData(6.51, 2)]
    [InlineData(7.5, 2)]
    [InlineData(7.51, 3)]
    [InlineData(14.0, 3)]
    public void A_pH_band_includes_its_upper_edge(double ph, int band) =>
        Assert.Equal(band, AlertProfiles.SoilPhBand(ph));

    [Theory]
    [InlineData("gb15618-paddy", 5.5, new[] { 0.3, 0.5, 30, 80, 250, 50, 60, 200 })]
    [InlineData("gb15618-paddy", 6.5, new[] { 0.4, 0.5, 30, 100, 250, 50, 70, 200 })]
    [InlineData("gb15618-paddy", 7.5, new[] { 0.6, 0.6, 25, 140, 300, 100, 100, 250 })]
    [InlineData("gb15618-paddy", 8, new[] { 0.8, 1.0, 20, 240, 350, 100, 190, 300 })]
    [InlineData("gb15618-other", 5, new[] { 0.3, 1.3, 40, 70, 150, 50, 60, 200 })]
    [InlineData("gb15618-other", 6, new[] { 0.3, 1.8, 40, 90, 150, 50, 70, 200 })]
    [InlineData("gb15618-other", 7, new[] { 0.3, 2.4, 30, 120, 200, 100, 100, 250 })]
    [InlineData("gb15618-other", 7.51, new[] { 0.6, 3.4, 25, 170, 250, 100, 190, 300 })]
    public void GB15618_screening_values_with_a_fixed_pH_are_raw_thresholds_of_its_band(string profile, double ph, double[] limits)
    {
        var rules = Expand($"{{ name: {profile}, value: screening, ph: {ph.ToString(System.Globalization.CultureInfo.InvariantCulture)} }}");

        Assert.Equal(["p/cd", "p/hg", "p/as", "p/pb", "p/cr", "p/cu", "p/ni", "p/zn"], rules.Select(r => r.Name));
        Assert.All(rules, r => Assert.Equal(SensorKind.Soil, r.Kind));
        Assert.All(rules, r => Assert.Null(Assert.IsType<ThresholdCondition>(r.Condition).Window));
        Assert.Equal(limits, rules.Select(r => Assert.Single(Assert.IsType<ThresholdCondition>(r.Condition).Levels).Value));
        Assert.All(rules, r => Assert.Equal(ThresholdDirection.Above, Assert.IsType<ThresholdCondition>(r.Condition).Levels[0].Direction));
    }

    [Theory]
    [InlineData("gb15618-paddy", 5.5, new[] { 1.5, 2.0, 200, 400, 800 })]
    [InlineData("gb15618-other", 6.5, new[] { 2.0, 2.5, 150, 500, 850 })]
    [InlineData("gb15618-paddy", 7.5, new[] { 3.0, 4.0, 120, 700, 1000 })]
    [InlineData("gb15618-other", 9, new[] { 4.0, 6.0, 100, 1000, 1300 })]
    public void GB15618_intervention_values_exist_only_for_Cd_Hg_As_Pb_Cr(string profile, double ph, double[] limits)
    {
        var rules = Expand($"{{ name: {profile}, value: intervention, ph: {ph.ToString(System.Globalization.CultureInfo.InvariantCulture)} }}");

        Assert.Equal(["p/cd", "p/hg", "p/as", "p/pb", "p/cr"], rules.Select(r => r.Name));
        Assert.Equal(limits, rules.Select(r => Assert.Single(Assert.IsType<ThresholdCondition>(r.Condition).Levels).Value));
    }

    [Fact]
    public void GB15618_without_a_pH_expands_into_pH_band_rules_with_all_four_limits()
    {
        var paddy = Expand("gb15618-paddy");
        var intervention = Expand("{ name: gb15618-other, value: intervention }");

        Assert.Equal(8, paddy.Count);
        Assert.Equal([0.3, 0.4, 0.6, 0.8], Assert.IsType<SoilPhBandCondition>(Assert.Single(paddy, r => r.Name == "p/cd").Condition).Limits);
        Assert.Equal([50, 50, 100, 100], Assert.IsType<SoilPhBandCondition>(Assert.Single(paddy, r => r.Name == "p/cu").Condition).Limits);
        Assert.Equal([400, 500, 700, 1000], Assert.IsType<SoilPhBandCondition>(Assert.Single(intervention, r => r.Name == "p/pb").Condition).Limits);
        Assert.Equal(5, intervention.Count);
        Assert.Equal(
            "GB 15618-2018 risk screening value (paddy land) by the site's soil pH (pH ≤ 5.5 / 5.5 < pH ≤ 6.5 / 6.5 < pH ≤ 7.5 / pH > 7.5): Cd ≤ 0.3 / 0.4 / 0.6 / 0.8 mg/kg",
            Description(paddy, "p/cd"));
        Assert.Equal(
            "GB 15618-2018 risk screening value (other land), 6.5 < pH ≤ 7.5: Hg ≤ 2.4 mg/kg",
            Description(Expand("{ name: gb15618-other, ph: 7.5 }"), "p/hg"));
    }
}
