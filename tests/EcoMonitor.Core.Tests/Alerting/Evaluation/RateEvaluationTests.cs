using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>Rate-of-change rules: change per <c>per</c> between consecutive readings, in event time.</summary>
public sealed class RateEvaluationTests
{
    private static Reading Water(string metric, double value, TimeSpan at) =>
        new(SensorKind.Water, "river-1", "probe-01", metric, value, (Start + at).ToUnixTimeMilliseconds());

    private static List<AlertTransition> Run(EvaluationHarness h, string metric, params (double Seconds, double Value)[] readings) =>
        readings.SelectMany(r => h.Live(Water(metric, r.Value, TimeSpan.FromSeconds(r.Seconds)))).ToList();

    [Fact]
    public void A_rise_faster_than_above_fires_and_a_slower_one_resolves()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: conductivity-jump
                kind: water
                metric: conductivity
                rate: { per: 1m, above: 500 }
                severity: warning
            """);

        // Rates per minute: 400, 600 (300 in 30 s), 500 (not above: strict), 100.
        var transitions = Run(h, "conductivity", (0, 1000), (60, 1400), (90, 1700), (150, 2200), (210, 2300));

        Assert.Collection(
            transitions,
            t =>
            {
                Assert.Equal(
                    new AlertTransition(
                        "conductivity-jump", AlertSeverity.Warning, SensorKind.Water, "river-1", "probe-01", "conductivity",
                        AlertState.Inactive, AlertState.Firing, 600, 500, Start + TimeSpan.FromSeconds(90), Late: false),
                    t);
                Assert.True(t.IsNotifiable);
            },
            t => Assert.Equal((AlertState.Firing, AlertState.Resolved, 500.0, 500.0, Start + TimeSpan.FromSeconds(150)), (t.From, t.To, t.Value, t.Threshold, t.At)));
    }

    [Fact]
    public void A_fall_faster_than_below_fires()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: oxygen-crash
                kind: water
                metric: do
                rate: { per: 1h, below: -2 }
                severity: critical
            """);

        // Per hour: −1, −3 (−0.75 in 15 min), −0.5.
        var transitions = Run(h, "do", (0, 8), (3600, 7), (4500, 6.25), (8100, 5.75));

        Assert.Collection(
            transitions,
            t => Assert.Equal((AlertState.Firing, -3.0, -2.0, AlertSeverity.Critical), (t.To, t.Value, t.Threshold, t.Severity)),
            t => Assert.Equal((AlertState.Resolved, -0.5, -2.0), (t.To, t.Value, t.Threshold)));
    }

    [Fact]
    public void Above_and_below_together_fire_on_either_side_and_report_the_limit_crossed()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: ph-swing
                kind: water
                metric: ph
                rate: { per: 1m, above: 1, below: -1 }
                severity: warning
            """);

        var transitions = Run(h, "ph", (0, 7), (60, 8.5), (120, 8.5), (180, 7));

        Assert.Collection(
            transitions,
            t => Assert.Equal((AlertState.Firing, 1.5, 1.0), (t.To, t.Value, t.Threshold)),
            t => Assert.Equal((AlertState.Resolved, 0.0, 1.0), (t.To, t.Value, t.Threshold)),
            t => Assert.Equal((AlertState.Firing, -1.5, -1.0), (t.To, t.Value, t.Threshold)));
    }

    [Fact]
    public void The_first_reading_gives_no_rate()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: conductivity-jump
                kind: water
                metric: conductivity
                rate: { per: 1m, above: 500 }
                severity: warning
            """);

        Assert.Empty(Run(h, "conductivity", (0, 5000)));
        Assert.Equal(1, h.Evaluator.StateCount);
        Assert.Empty(Run(h, "conductivity", (60, 5100)));
    }

    [Fact]
    public void An_out_of_order_reading_is_ignored_and_the_rate_continues_from_the_last_in_order_one()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: conductivity-swing
                kind: water
                metric: conductivity
                rate: { per: 1m, above: 100, below: -100 }
                severity: warning
            """);

        // Minute 1 arrives after minute 2: ignored (against it, minute 2 would be −790/min and minute 3 +5).
        var transitions = Run(h, "conductivity", (0, 100), (120, 110), (60, 900), (180, 115));

        Assert.Empty(transitions);
        Assert.Equal(1, h.Evaluator.OutOfOrderReadings);
        Assert.Equal(AlertState.Inactive, Assert.Single(Run(h, "conductivity", (240, 300))).From);
    }

    [Fact]
    public void A_redelivered_reading_changes_nothing()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: conductivity-jump
                kind: water
                metric: conductivity
                rate: { per: 1m, above: 500 }
                severity: warning
            """);

        Assert.Single(Run(h, "conductivity", (0, 1000), (60, 1600)));
        Assert.Empty(Run(h, "conductivity", (60, 1600), (60, 1600)));

        // The rate at minute 2 is taken against minute 1, not against a redelivered copy.
        Assert.Equal(AlertState.Resolved, Assert.Single(Run(h, "conductivity", (120, 1700))).To);
    }

    [Fact]
    public void For_holds_a_rate_pending_on_event_time()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: conductivity-rising
                kind: water
                metric: conductivity
                rate: { per: 1m, above: 50 }
                for: 2m
                severity: info
            """);

        var transitions = Run(h, "conductivity", (0, 1000), (60, 1100), (120, 1200), (180, 1300), (240, 1310));

        Assert.Equal(
            [(AlertState.Inactive, AlertState.Pending, 60), (AlertState.Pending, AlertState.Firing, 180), (AlertState.Firing, AlertState.Resolved, 240)],
            transitions.Select(t => (t.From, t.To, (int)(t.At - Start).TotalSeconds)));
    }
}
