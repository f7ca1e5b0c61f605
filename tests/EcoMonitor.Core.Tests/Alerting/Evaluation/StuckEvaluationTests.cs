using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>Stuck sensors: unchanged within a tolerance for a duration of event time and/or a count of readings.</summary>
public sealed class StuckEvaluationTests
{
    [Fact]
    public void Fires_after_n_unchanged_readings_and_resolves_when_the_value_moves()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: temperature-stuck
                kind: air
                metric: temperature
                stuck: { readings: 3, tolerance: 0.01 }
                severity: info
            """);

        var transitions = h.LiveSeries("temperature", TimeSpan.Zero, 20, 20.005, 20.01, 20.01, 20.02, 20.02, 20.02);

        Assert.Equal(
            [
                (AlertState.Inactive, AlertState.Firing, 20.01, 20.0, Start + Minutes(2)),
                (AlertState.Firing, AlertState.Resolved, 20.02, 20.0, Start + Minutes(4)),

                // 20.02 three times (minutes 4 to 6) is a new stuck run.
                (AlertState.Inactive, AlertState.Firing, 20.02, 20.02, Start + Minutes(6)),
            ],
            transitions.Select(t => (t.From, t.To, t.Value, t.Threshold, t.At)));
        Assert.All(transitions, t => Assert.Equal(AlertSeverity.Info, t.Severity));
    }

    [Fact]
    public void Fires_after_the_duration_of_event_time_even_in_a_burst()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: moisture-stuck
                kind: air
                metric: humidity
                stuck: { for: 2h }
                severity: info
            """);
        h.Time.SetUtcNow(Start + TimeSpan.FromHours(3));

        var transitions = new List<AlertTransition>();
        for (var minutes = 0; minutes <= 150; minutes += 30)
        {
            transitions.AddRange(h.Evaluator.Observe(Air("humidity", 50, Minutes(minutes))));
        }

        var t = Assert.Single(transitions);
        Assert.Equal((AlertState.Firing, Start + TimeSpan.FromHours(2), true), (t.To, t.At, t.Late));
    }

    [Fact]
    public void A_slow_drift_is_measured_from_the_start_of_the_run_and_is_not_stuck()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: temperature-stuck
                kind: air
                metric: temperature
                stuck: { readings: 3, tolerance: 1 }
                severity: info
            """);

        Assert.Empty(h.LiveSeries("temperature", TimeSpan.Zero, 20, 20.6, 21.2, 21.8, 22.4, 23, 23.6));
    }

    [Fact]
    public void With_both_a_duration_and_a_count_both_must_hold()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: temperature-stuck
                kind: air
                metric: temperature
                stuck: { for: 5m, readings: 3 }
                severity: info
            """);

        // Three readings within a minute: the count holds, the duration not yet.
        var quick = new List<AlertTransition>();
        foreach (var seconds in new[] { 0, 20, 40 })
        {
            quick.AddRange(h.Live(Air("temperature", 20, TimeSpan.FromSeconds(seconds))));
        }

        var fired = h.Live(Air("temperature", 20, Minutes(5)));

        Assert.Empty(quick);
        Assert.Equal(Start + Minutes(5), Assert.Single(fired).At);
    }

    [Fact]
    public void An_out_of_order_reading_neither_resolves_nor_restarts_the_run()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: temperature-stuck
                kind: air
                metric: temperature
                stuck: { readings: 2 }
                severity: info
            """);

        Assert.Single(h.LiveSeries("temperature", Minutes(1), 20, 20));
        Assert.Empty(h.Evaluator.Observe(Air("temperature", 30, TimeSpan.Zero)));
        Assert.Empty(h.Live(Air("temperature", 20, Minutes(3))));
        Assert.Equal(1, h.Evaluator.OutOfOrderReadings);
    }
}
