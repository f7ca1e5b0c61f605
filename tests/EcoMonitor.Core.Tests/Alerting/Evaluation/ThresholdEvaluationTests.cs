using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>Threshold rules on raw readings: one transition per state change, on event time.</summary>
public sealed class ThresholdEvaluationTests
{
    private const string Pm25Above75 = """
        rules:
          - name: pm25-high
            kind: air
            metric: pm25
            above: 75
            severity: warning
        """;

    private const string Pm10Levels = """
        rules:
          - name: pm10-levels
            kind: air
            metric: pm10
            levels:
              - { severity: warning, above: 150, clear_below: 120 }
              - { severity: critical, above: 350, clear_below: 300 }
        """;

    private const string Pm25Hysteresis = """
        rules:
          - name: pm25-high
            kind: air
            metric: pm25
            above: 75
            clear_below: 60
            severity: warning
        """;

    private const string Pm25For2m = """
        rules:
          - name: pm25-high
            kind: air
            metric: pm25
            above: 75
            for: 2m
            severity: warning
        """;

    [Fact]
    public void Fires_once_above_the_threshold_and_resolves_once_at_it()
    {
        var h = new EvaluationHarness(Pm25Above75);

        var transitions = h.LiveSeries("pm25", TimeSpan.Zero, 50, 75, 76, 80, 90, 75, 70);

        Assert.Collection(
            transitions,
            t =>
            {
                Assert.Equal(new AlertTransition(
                    "pm25-high", AlertSeverity.Warning, SensorKind.Air, "beijing-1", "node-01", "pm25",
                    AlertState.Inactive, AlertState.Firing, 76, 75, Start + Minutes(2), Late: false), t);
                Assert.True(t.IsNotifiable);
            },
            t =>
            {
                // Strict: 75 is not above 75, so without a clear value the alert resolves there.
                Assert.Equal((AlertState.Firing, AlertState.Resolved, 75.0, 75.0), (t.From, t.To, t.Value, t.Threshold));
                Assert.Equal(Start + Minutes(5), t.At);
                Assert.True(t.IsNotifiable);
            });
    }

    [Fact]
    public void A_below_rule_fires_below_and_clears_above_its_clear_value()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: oxygen-low
                kind: water
                metric: do
                below: 3
                clear_above: 4
                severity: critical
            """);
        var transitions = new List<AlertTransition>();
        double[] values = [5, 3, 2.9, 3.5, 4, 4.1];
        for (var i = 0; i < values.Length; i++)
        {
            transitions.AddRange(h.Live(new Reading(
                SensorKind.Water, "river-1", "probe-01", "do", values[i], (Start + Minutes(i)).ToUnixTimeMilliseconds())));
        }

        Assert.Collection(
            transitions,
            t => Assert.Equal((AlertState.Inactive, AlertState.Firing, 2.9, 3.0, AlertSeverity.Critical), (t.From, t.To, t.Value, t.Threshold, t.Severity)),
            t => Assert.Equal((AlertState.Firing, AlertState.Resolved, 4.1, 3.0), (t.From, t.To, t.Value, t.Threshold)));
    }

    [Fact]
    public void An_outside_rule_fires_on_either_side_and_reports_the_end_crossed()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: ph-range
                kind: water
                metric: ph
                outside: [6, 9]
                severity: warning
            """);
        var transitions = new List<AlertTransition>();
        double[] values = [7, 9.5, 7, 5.5, 6];
        for (var i = 0; i < values.Length; i++)
        {
            transitions.AddRange(h.Live(new Reading(
                SensorKind.Water, "river-1", "probe-01", "ph", values[i], (Start + Minutes(i)).ToUnixTimeMilliseconds())));
        }

        Assert.Equal(
            [
                (AlertState.Inactive, AlertState.Firing, 9.5, 9.0),
                (AlertState.Firing, AlertState.Resolved, 7, 9),
                (AlertState.Inactive, AlertState.Firing, 5.5, 6),
                (AlertState.Firing, AlertState.Resolved, 6, 6),
            ],
            transitions.Select(t => (t.From, t.To, t.Value, t.Threshold)));
    }

    [Fact]
    public void Levels_escalate_and_de_escalate_one_transition_per_change()
    {
        var h = new EvaluationHarness(Pm10Levels);

        var transitions = h.LiveSeries("pm10", TimeSpan.Zero, 100, 160, 400, 380, 320, 290, 130, 110);

        Assert.Equal(
            [
                (AlertState.Inactive, AlertState.Firing, AlertSeverity.Warning, 160.0, 150.0),
                (AlertState.Firing, AlertState.Firing, AlertSeverity.Critical, 400, 350),

                // 380 and 320 stay critical (320 is inside the critical band, above 300).
                (AlertState.Firing, AlertState.Firing, AlertSeverity.Warning, 290, 150),

                // 130 is inside the warning band.
                (AlertState.Firing, AlertState.Resolved, AlertSeverity.Warning, 110, 150),
            ],
            transitions.Select(t => (t.From, t.To, t.Severity, t.Value, t.Threshold)));
        Assert.All(transitions, t => Assert.True(t.IsNotifiable));
    }

    [Fact]
    public void A_jump_past_every_level_fires_and_resolves_at_the_highest_directly()
    {
        var h = new EvaluationHarness(Pm10Levels);

        var transitions = h.LiveSeries("pm10", TimeSpan.Zero, 100, 500, 100);

        Assert.Equal(
            [
                (AlertState.Inactive, AlertState.Firing, AlertSeverity.Critical, 350.0),
                (AlertState.Firing, AlertState.Resolved, AlertSeverity.Critical, 350),
            ],
            transitions.Select(t => (t.From, t.To, t.Severity, t.Threshold)));
    }

    [Fact]
    public void Inside_the_hysteresis_band_the_alert_stays_firing_and_flapping_emits_nothing()
    {
        var h = new EvaluationHarness(Pm25Hysteresis);

        var firing = h.LiveSeries("pm25", TimeSpan.Zero, 50, 80);
        var band = h.LiveSeries("pm25", Minutes(2), 70, 76, 74, 78, 74.9, 75.1, 61, 60);
        var resolved = h.LiveSeries("pm25", Minutes(10), 59.9);

        Assert.Equal((AlertState.Inactive, AlertState.Firing), (Assert.Single(firing).From, firing[0].To));
        Assert.Empty(band);
        var t = Assert.Single(resolved);
        Assert.Equal((AlertState.Firing, AlertState.Resolved, 59.9, 75.0), (t.From, t.To, t.Value, t.Threshold));
    }

    [Fact]
    public void Below_the_threshold_but_in_the_band_an_inactive_alert_does_not_fire()
    {
        var h = new EvaluationHarness(Pm25Hysteresis);

        Assert.Empty(h.LiveSeries("pm25", TimeSpan.Zero, 50, 70, 75, 62));
    }

    [Fact]
    public void Pending_is_cancelled_by_a_reading_that_breaks_the_condition_before_for()
    {
        var h = new EvaluationHarness(Pm25For2m);

        var transitions = new List<AlertTransition>();
        transitions.AddRange(h.Live(Air("pm25", 80, TimeSpan.Zero)));
        transitions.AddRange(h.Live(Air("pm25", 90, Minutes(1))));
        transitions.AddRange(h.Live(Air("pm25", 70, Minutes(1.5))));

        // The clock restarts with the next breach: 1.5 min after it is not yet 2 min.
        transitions.AddRange(h.Live(Air("pm25", 80, Minutes(2.5))));
        transitions.AddRange(h.Live(Air("pm25", 80, Minutes(4))));

        Assert.Equal(
            [
                (AlertState.Inactive, AlertState.Pending, Start),
                (AlertState.Pending, AlertState.Inactive, Start + Minutes(1.5)),
                (AlertState.Inactive, AlertState.Pending, Start + Minutes(2.5)),
            ],
            transitions.Select(t => (t.From, t.To, t.At)));
        Assert.All(transitions, t => Assert.False(t.IsNotifiable));
    }

    [Fact]
    public void Pending_becomes_firing_once_the_condition_held_for_the_duration()
    {
        var h = new EvaluationHarness(Pm25For2m);

        var transitions = h.LiveSeries("pm25", TimeSpan.Zero, 80, 85, 90, 70);

        Assert.Equal(
            [
                (AlertState.Inactive, AlertState.Pending, Start),
                (AlertState.Pending, AlertState.Firing, Start + Minutes(2)),
                (AlertState.Firing, AlertState.Resolved, Start + Minutes(3)),
            ],
            transitions.Select(t => (t.From, t.To, t.At)));
    }

    [Fact]
    public void Pending_is_promoted_on_event_time_when_the_readings_arrive_in_one_burst()
    {
        var h = new EvaluationHarness(Pm25For2m);

        // A node buffered three minutes of readings and sends them at once, 10 s after the last.
        h.Time.SetUtcNow(Start + Minutes(3) + TimeSpan.FromSeconds(10));
        var transitions = new List<AlertTransition>();
        for (var i = 0; i <= 3; i++)
        {
            transitions.AddRange(h.Evaluator.Observe(Air("pm25", 80 + i, Minutes(i))));
        }

        Assert.Equal(
            [
                (AlertState.Inactive, AlertState.Pending, Start, false),
                (AlertState.Pending, AlertState.Firing, Start + Minutes(2), false),
            ],
            transitions.Select(t => (t.From, t.To, t.At, t.Late)));
    }

    [Fact]
    public void A_replayed_backlog_gives_the_episode_it_would_have_given_live_marked_late()
    {
        var h = new EvaluationHarness(Pm25For2m);

        // An hour of readings, one a minute, replayed after a two-hour outage: the episode is
        // above the limit from minute 10 to minute 30.
        h.Time.SetUtcNow(Start + TimeSpan.FromHours(3));
        var transitions = new List<AlertTransition>();
        for (var minute = 0; minute < 60; minute++)
        {
            var value = minute is >= 10 and < 30 ? 100 : 40;
            transitions.AddRange(h.Evaluator.Observe(Air("pm25", value, Minutes(minute))));
        }

        Assert.Equal(
            [
                (AlertState.Inactive, AlertState.Pending, Start + Minutes(10)),
                (AlertState.Pending, AlertState.Firing, Start + Minutes(12)),
                (AlertState.Firing, AlertState.Resolved, Start + Minutes(30)),
            ],
            transitions.Select(t => (t.From, t.To, t.At)));
        Assert.All(transitions, t => Assert.True(t.Late));

        // Back to live readings: a new episode is not late.
        h.LiveSeries("pm25", TimeSpan.FromHours(3), 100, 100);
        var live = h.Live(Air("pm25", 100, TimeSpan.FromHours(3) + Minutes(2)));
        Assert.False(Assert.Single(live).Late);
    }

    [Fact]
    public void Late_means_older_than_the_late_threshold_at_the_moment_of_evaluation()
    {
        var h = new EvaluationHarness(Pm25Above75, new AlertEvaluatorOptions { LateThreshold = Minutes(1) });
        h.Time.SetUtcNow(Start + Minutes(10));

        var atThreshold = h.Evaluator.Observe(Air("pm25", 80, Minutes(9)));
        var resolvedJustPast = h.Evaluator.Observe(Air("pm25", 10, Minutes(9) + TimeSpan.FromMilliseconds(1)));
        h.Time.Advance(TimeSpan.FromMilliseconds(2));
        var firingJustPast = h.Evaluator.Observe(Air("pm25", 80, Minutes(9) + TimeSpan.FromMilliseconds(1)));

        Assert.False(Assert.Single(atThreshold).Late);
        Assert.False(Assert.Single(resolvedJustPast).Late);
        Assert.True(Assert.Single(firingJustPast).Late);
    }

    [Fact]
    public void An_out_of_order_reading_is_ignored_for_state_and_counted()
    {
        var h = new EvaluationHarness(Pm25Above75);

        var fired = h.Live(Air("pm25", 80, Minutes(2)));
        var older = h.Evaluator.Observe(Air("pm25", 10, Minutes(1)));
        var stillFiring = h.Live(Air("pm25", 80, Minutes(3)));
        var resolved = h.Live(Air("pm25", 10, Minutes(4)));

        Assert.Single(fired);
        Assert.Empty(older);
        Assert.Empty(stillFiring);
        Assert.Equal(AlertState.Resolved, Assert.Single(resolved).To);
        Assert.Equal(1, h.Evaluator.OutOfOrderReadings);
    }

    [Fact]
    public void A_redelivered_reading_changes_nothing()
    {
        var h = new EvaluationHarness(Pm25Above75);

        var first = h.Live(Air("pm25", 80, Minutes(1)));
        var again = h.Live(Air("pm25", 80, Minutes(1)));

        Assert.Single(first);
        Assert.Empty(again);
        Assert.Equal(0, h.Evaluator.OutOfOrderReadings);
    }

    [Fact]
    public void Each_device_has_its_own_state()
    {
        var h = new EvaluationHarness(Pm25Above75);

        var a = h.Live(Air("pm25", 80, Minutes(1), device: "node-a"));
        var b = h.Live(Air("pm25", 50, Minutes(2), device: "node-b"));
        var aAgain = h.Live(Air("pm25", 90, Minutes(3), device: "node-a"));
        var bFires = h.Live(Air("pm25", 90, Minutes(4), device: "node-b"));
        var aResolves = h.Live(Air("pm25", 10, Minutes(5), device: "node-a"));

        Assert.Equal("node-a", Assert.Single(a).Device);
        Assert.Empty(b);
        Assert.Empty(aAgain);
        Assert.Equal(("node-b", AlertState.Firing), (Assert.Single(bFires).Device, bFires[0].To));
        Assert.Equal(("node-a", AlertState.Resolved), (Assert.Single(aResolves).Device, aResolves[0].To));
    }
}
