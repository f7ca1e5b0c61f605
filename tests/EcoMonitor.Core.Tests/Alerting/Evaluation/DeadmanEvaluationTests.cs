using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>Deadman rules: silence measured on the receive clock, driven by <see cref="AlertEvaluator.Tick"/>.</summary>
public sealed class DeadmanEvaluationTests
{
    private const string NodeSilent = """
        rules:
          - name: node-silent
            kind: "*"
            deadman: 15m
            severity: warning
        """;

    [Fact]
    public void Fires_after_the_duration_without_a_reading_and_resolves_on_the_next_one()
    {
        var h = new EvaluationHarness(NodeSilent);
        Assert.Empty(h.Live(Air("pm25", 20, TimeSpan.Zero)));

        h.Time.Advance(Minutes(15) - TimeSpan.FromSeconds(1));
        var before = h.Evaluator.Tick();
        h.Time.Advance(TimeSpan.FromSeconds(1));
        var fired = h.Evaluator.Tick();
        h.Time.Advance(Minutes(5));
        var stillSilent = h.Evaluator.Tick();
        var resolved = h.Evaluator.Observe(Air("pm25", 20, Minutes(20)));

        Assert.Empty(before);
        Assert.Equal(
            new AlertTransition(
                "node-silent", AlertSeverity.Warning, SensorKind.Air, "beijing-1", "node-01", null,
                AlertState.Inactive, AlertState.Firing, 900, 900, Start + Minutes(15), Late: false),
            Assert.Single(fired));
        Assert.Empty(stillSilent);
        var r = Assert.Single(resolved);
        Assert.Equal((AlertState.Firing, AlertState.Resolved, 1200.0, Start + Minutes(20), false), (r.From, r.To, r.Value, r.At, r.Late));
        Assert.True(r.IsNotifiable);

        // The clock starts again from that reading.
        h.Time.Advance(Minutes(15));
        Assert.Equal(AlertState.Firing, Assert.Single(h.Evaluator.Tick()).To);
    }

    [Fact]
    public void Readings_keep_a_device_alive_and_only_the_silent_device_fires()
    {
        var h = new EvaluationHarness(NodeSilent);
        h.Live(Air("pm25", 20, TimeSpan.Zero, device: "node-a"));
        h.Live(Air("pm25", 20, TimeSpan.Zero, device: "node-b"));

        for (var minute = 5; minute <= 30; minute += 5)
        {
            h.Live(Air("pm25", 20, Minutes(minute), device: "node-a"));
            var transitions = h.Evaluator.Tick();
            if (minute == 15)
            {
                Assert.Equal("node-b", Assert.Single(transitions).Device);
            }
            else
            {
                Assert.Empty(transitions);
            }
        }
    }

    [Fact]
    public void A_replayed_old_reading_resolves_it_because_the_device_is_talking_again()
    {
        var h = new EvaluationHarness(NodeSilent);
        h.Live(Air("pm25", 20, TimeSpan.Zero));
        h.Time.Advance(Minutes(60));
        Assert.Single(h.Evaluator.Tick());

        // The node comes back and first replays its buffer, starting from minute 1.
        var resolved = h.Evaluator.Observe(Air("pm25", 20, Minutes(1)));

        var r = Assert.Single(resolved);
        Assert.Equal((AlertState.Resolved, Start + Minutes(60), false), (r.To, r.At, r.Late));
    }

    [Fact]
    public void A_tick_long_overdue_marks_the_transition_late_at_the_moment_silence_was_reached()
    {
        var h = new EvaluationHarness(NodeSilent);
        h.Live(Air("pm25", 20, TimeSpan.Zero));

        h.Time.Advance(Minutes(40));
        var t = Assert.Single(h.Evaluator.Tick());

        Assert.Equal((Start + Minutes(15), true, 2400.0), (t.At, t.Late, t.Value));
    }

    [Fact]
    public void A_deadman_on_a_metric_counts_only_that_metric()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: pm25-silent
                kind: air
                metric: pm25
                deadman: 10m
                severity: info
            """);
        h.Live(Air("pm25", 20, TimeSpan.Zero));

        h.Live(Air("temperature", 20, Minutes(5)));
        h.Live(Air("temperature", 20, Minutes(10)));
        var t = Assert.Single(h.Evaluator.Tick());

        Assert.Equal(("pm25", AlertSeverity.Info, Start + Minutes(10)), (t.Metric, t.Severity, t.At));
    }

    [Fact]
    public void A_device_never_heard_from_cannot_fire()
    {
        var h = new EvaluationHarness(NodeSilent);

        h.Time.Advance(TimeSpan.FromDays(1));

        Assert.Empty(h.Evaluator.Tick());
    }
}
