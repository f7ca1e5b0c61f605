using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Readings;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>Which readings a rule sees (kind, metric, site and device globs) and how memory stays bounded.</summary>
public sealed class EvaluatorScopeTests
{
    [Fact]
    public void Site_and_device_globs_scope_a_rule()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: pm25-beijing-probes
                kind: air
                metric: pm25
                site: "beijing-*"
                device: "probe-[0-9][0-9]"
                above: 75
                severity: warning
            """);

        Assert.Empty(h.Live(Air("pm25", 90, Minutes(1), site: "tianjin-1", device: "probe-01")));
        Assert.Empty(h.Live(Air("pm25", 90, Minutes(2), site: "beijing-2", device: "probe-1")));
        Assert.Empty(h.Live(Air("pm25", 90, Minutes(3), site: "beijing-2", device: "node-01")));
        Assert.Empty(h.Live(Air("pm10", 900, Minutes(4), site: "beijing-2", device: "probe-01")));
        var fired = Assert.Single(h.Live(Air("pm25", 90, Minutes(5), site: "beijing-2", device: "probe-01")));

        Assert.Equal(("beijing-2", "probe-01"), (fired.Site, fired.Device));
        Assert.Equal(1, h.Evaluator.StateCount);
    }

    [Fact]
    public void Kind_star_applies_to_every_kind_that_has_the_metric()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: hot
                kind: "*"
                metric: temperature
                above: 40
                severity: info
            """);

        var transitions = new List<AlertTransition>();
        foreach (var kind in SensorKinds.All)
        {
            transitions.AddRange(h.Live(new Reading(kind, "site-1", "node-01", "temperature", 45, (Start + Minutes(1)).ToUnixTimeMilliseconds())));
        }

        transitions.AddRange(h.Live(new Reading(SensorKind.Air, "site-1", "node-01", "humidity", 45, (Start + Minutes(2)).ToUnixTimeMilliseconds())));

        Assert.Equal([SensorKind.Air, SensorKind.Water, SensorKind.Soil], transitions.Select(t => t.Kind));
        Assert.All(transitions, t => Assert.Equal(AlertState.Firing, t.To));
    }

    [Fact]
    public void A_kind_scoped_rule_ignores_the_same_metric_of_another_kind()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: soil-ph-low
                kind: soil
                metric: ph
                below: 5
                severity: warning
            """);

        Assert.Empty(h.Live(new Reading(SensorKind.Water, "site-1", "node-01", "ph", 4, (Start + Minutes(1)).ToUnixTimeMilliseconds())));
        Assert.Single(h.Live(new Reading(SensorKind.Soil, "site-1", "node-01", "ph", 4, (Start + Minutes(2)).ToUnixTimeMilliseconds())));
    }

    [Fact]
    public void Windows_beyond_the_value_bound_are_listed_and_produce_nothing()
    {
        var h = new EvaluationHarness(
            """
            rules:
              - name: too-many-buckets
                kind: air
                metric: pm25
                window: { function: mean, over: 24h, bucket: 1m }
                above: 1
                severity: info
              - name: aqi-daily
                aqi: { standard: hj633-2026, above_level: 1, basis: daily }
                severity: info
            """,
            new AlertEvaluatorOptions { MaxWindowValues = 150 });

        var transitions = h.LiveSeries("pm25", TimeSpan.Zero, 10, 10, 500, 500);

        // 1440 one-minute buckets; 6 pollutants × 31 hours = 186 AQI buckets.
        Assert.Empty(transitions);
        Assert.Equal(["too-many-buckets", "aqi-daily"], h.Evaluator.NotEvaluated.Select(r => r.Name));
        Assert.Equal(0, h.Evaluator.StateCount);
    }

    [Fact]
    public void AQI_and_profile_rules_are_evaluated_and_profiles_expand_inside_the_evaluator()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: aqi
                aqi: { standard: hj633-2026, above_level: 1, basis: hourly }
                severity: info
              - name: grade2
                profile: gb3095-2026-grade2
                severity: info
              - name: who
                profile: who-2021
                severity: info
              - name: river
                profile: gb3838-class3
                severity: info
              - name: soil
                profile: gb15618-other
                severity: info
              - name: paddy
                profile: { name: gb15618-paddy, ph: 6 }
                severity: info
            """);

        Assert.Empty(h.Evaluator.NotEvaluated);

        // PM2.5 1 h mean 40: IAQI 50 + 50 × 5 / 25 = 60, level 2, above level 1. One AQI state per
        // device, whichever pollutant feeds it; the window rules hold states but need 20 hours.
        var fired = Assert.Single(h.Live(Air("pm25", 40, Minutes(1))));
        Assert.Equal(("aqi", "aqi", 60.0, 50.0), (fired.RuleName, fired.Metric, fired.Value, fired.Threshold));
        Assert.Empty(h.Live(Air("o3", 20, Minutes(1))));

        // aqi (one for both pollutants), grade2 pm25-24h, o3-8h, o3-1h, who pm25-24h, o3-8h.
        Assert.Equal(6, h.Evaluator.StateCount);
    }

    [Fact]
    public void Beyond_the_state_bound_new_series_are_counted_not_evaluated()
    {
        var h = new EvaluationHarness(
            """
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: warning
            """,
            new AlertEvaluatorOptions { MaxStates = 2 });

        Assert.Single(h.Live(Air("pm25", 80, Minutes(1), device: "node-a")));
        Assert.Single(h.Live(Air("pm25", 80, Minutes(1), device: "node-b")));
        Assert.Empty(h.Live(Air("pm25", 80, Minutes(1), device: "node-c")));

        Assert.Equal(2, h.Evaluator.StateCount);
        Assert.Equal(1, h.Evaluator.UntrackedObservations);
    }

    [Fact]
    public void Idle_inactive_states_expire_on_tick_and_firing_ones_stay()
    {
        var h = new EvaluationHarness(
            """
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: warning
            """,
            new AlertEvaluatorOptions { IdleStateExpiry = TimeSpan.FromHours(1) });
        h.Live(Air("pm25", 20, Minutes(1), device: "quiet"));
        h.Live(Air("pm25", 80, Minutes(1), device: "firing"));

        h.Time.Advance(Minutes(59));
        h.Evaluator.Tick();
        Assert.Equal(2, h.Evaluator.StateCount);

        // Idle for more than the hour, but the sweep runs once per 1/24 of the expiry (2.5 min here).
        h.Time.Advance(Minutes(2));
        h.Evaluator.Tick();
        Assert.Equal(2, h.Evaluator.StateCount);
        h.Time.Advance(Minutes(1));
        h.Evaluator.Tick();
        Assert.Equal(1, h.Evaluator.StateCount);

        // The firing alert was kept, so it still resolves exactly once.
        Assert.Equal(AlertState.Resolved, Assert.Single(h.Live(Air("pm25", 10, Minutes(63), device: "firing"))).To);
    }
}
