using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Readings;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>
/// Profiles run by the evaluator: limits are strict (a value at the limit meets the standard), so
/// each rule fires just above (below, outside) its limit and resolves at the limit.
/// </summary>
public sealed class ProfileEvaluationTests
{
    [Fact]
    public void WHO_24h_mean_fires_above_the_target_and_resolves_at_it()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: who
                profile: { name: who-2021, target: it-3 }
                severity: info
            """);
        var transitions = new List<AlertTransition>();

        // 20 hourly values at exactly 37.5: a valid mean at the limit, which meets IT-3.
        for (var hour = 0; hour < 20; hour++)
        {
            transitions.AddRange(h.Live(Air("pm25", 37.5, Hours(hour) + Minutes(30))));
        }

        Assert.Empty(transitions);

        // (20 × 37.5 + 38.5) / 21 = 37.55: above.
        var fired = Assert.Single(h.Live(Air("pm25", 38.5, Hours(20) + Minutes(30))));
        Assert.Equal(("who/pm25-24h", "pm25", AlertState.Firing, 37.5), (fired.RuleName, fired.Metric, fired.To, fired.Threshold));

        // (20 × 37.5 + 38.5 + 36.5) / 22 = 37.5 exactly: back at the limit, resolved.
        var resolved = Assert.Single(h.Live(Air("pm25", 36.5, Hours(21) + Minutes(30))));
        Assert.Equal((AlertState.Resolved, 37.5, 37.5), (resolved.To, resolved.Value, resolved.Threshold));
    }

    [Fact]
    public void WHO_ozone_uses_its_8h_moving_mean_with_6_hourly_values()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: who
                profile: who-2021
                severity: info
            """);

        // AQG 100 µg/m³: five hourly values of 150 are not a valid 8 h mean, the sixth is.
        for (var hour = 0; hour < 5; hour++)
        {
            Assert.Empty(h.Live(Air("o3", 150, Hours(hour))));
        }

        var fired = Assert.Single(h.Live(Air("o3", 150, Hours(5))));
        Assert.Equal(("who/o3-8h", 150.0, 100.0), (fired.RuleName, fired.Value, fired.Threshold));
    }

    [Fact]
    public void GB3838_single_factor_rules_fire_beyond_the_class_limit_and_resolve_at_it()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: river
                profile: { name: gb3838-class3, target_class: III, waterbody: river }
                severity: warning
            """);

        // NH3-N ≤ 1.0: 1.0 meets the class, 1.01 does not.
        Assert.Empty(h.Live(Water("nh3n", 1.0, Minutes(1))));
        var nh3n = Assert.Single(h.Live(Water("nh3n", 1.01, Minutes(2))));
        Assert.Equal(("river/nh3n", AlertState.Firing, 1.01, 1.0), (nh3n.RuleName, nh3n.To, nh3n.Value, nh3n.Threshold));
        Assert.Equal(AlertState.Resolved, Assert.Single(h.Live(Water("nh3n", 1.0, Minutes(3)))).To);

        // DO ≥ 5: a lower bound.
        Assert.Empty(h.Live(Water("do", 5, Minutes(1))));
        var oxygen = Assert.Single(h.Live(Water("do", 4.99, Minutes(2))));
        Assert.Equal(("river/do", AlertState.Firing, 5.0), (oxygen.RuleName, oxygen.To, oxygen.Threshold));
        Assert.Equal(AlertState.Resolved, Assert.Single(h.Live(Water("do", 5, Minutes(3)))).To);

        // pH 6–9, both ends inclusive; the threshold reported is the end crossed.
        Assert.Empty(h.Live(Water("ph", 9, Minutes(1))));
        Assert.Empty(h.Live(Water("ph", 6, Minutes(2))));
        var acid = Assert.Single(h.Live(Water("ph", 5.99, Minutes(3))));
        Assert.Equal((AlertState.Firing, 6.0), (acid.To, acid.Threshold));
        Assert.Equal(AlertState.Resolved, Assert.Single(h.Live(Water("ph", 6, Minutes(4)))).To);
        Assert.Equal(9.0, Assert.Single(h.Live(Water("ph", 9.01, Minutes(5)))).Threshold);

        // Class III river TP 0.2; TN has no river limit; conductivity has no GB 3838 limit at all.
        Assert.Empty(h.Live(Water("tp", 0.2, Minutes(1))));
        Assert.Empty(h.Live(Water("tn", 5, Minutes(1))));
        Assert.Empty(h.Live(Water("conductivity", 100_000, Minutes(1))));
        Assert.Equal(0.2, Assert.Single(h.Live(Water("tp", 0.21, Minutes(2)))).Threshold);
    }

    [Fact]
    public void GB3838_lake_phosphorus_is_stricter_than_river_phosphorus()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: lake
                site: "lake-*"
                profile: { name: gb3838-class3, waterbody: lake }
                severity: warning
              - name: river
                site: "river-*"
                profile: { name: gb3838-class3, waterbody: river }
                severity: warning
            """);

        // 0.06 mg/L: above the class III lake limit 0.05, under the river limit 0.2.
        var fired = Assert.Single(h.Live(Water("tp", 0.06, Minutes(1), site: "lake-1")));
        Assert.Equal(("lake/tp", 0.05), (fired.RuleName, fired.Threshold));
        Assert.Empty(h.Live(Water("tp", 0.06, Minutes(1), site: "river-1")));
        var tn = Assert.Single(h.Live(Water("tn", 1.01, Minutes(2), site: "lake-1")));
        Assert.Equal(("lake/tn", 1.0), (tn.RuleName, tn.Threshold));
    }

    [Fact]
    public void GB15618_with_a_fixed_pH_fires_above_its_band_value()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: paddy
                profile: { name: gb15618-paddy, value: screening, ph: 6.5 }
                severity: warning
              - name: paddy-intervention
                profile: { name: gb15618-paddy, value: intervention, ph: 6.5 }
                severity: critical
            """);

        // pH 6.5 is the top of the 5.5–6.5 band: Cd screening 0.4, intervention 2.0.
        Assert.Empty(h.Live(Soil("cd", 0.4, Minutes(1))));
        var screening = Assert.Single(h.Live(Soil("cd", 0.41, Minutes(2))));
        Assert.Equal(("paddy/cd", SensorKind.Soil, 0.4), (screening.RuleName, screening.Kind, screening.Threshold));
        Assert.Empty(h.Live(Soil("cd", 2.0, Minutes(3))));
        var intervention = Assert.Single(h.Live(Soil("cd", 2.01, Minutes(4))));
        Assert.Equal(("paddy-intervention/cd", Core.Alerting.Rules.AlertSeverity.Critical, 2.0), (intervention.RuleName, intervention.Severity, intervention.Threshold));

        // No intervention value for Zn: only the screening rule sees it (paddy Zn 200 at this band).
        Assert.Equal("paddy/zn", Assert.Single(h.Live(Soil("zn", 201, Minutes(5)))).RuleName);
    }
}
