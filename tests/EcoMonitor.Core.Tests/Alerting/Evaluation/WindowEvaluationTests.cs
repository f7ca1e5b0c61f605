using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>
/// Threshold rules on rolling-window aggregates: hourly buckets, the standards' data validity
/// (GB 3095-2026 Table 4), and the same lifecycle as a raw threshold, on event time.
/// </summary>
public sealed class WindowEvaluationTests
{
    private const string Pm2524hMean = """
        rules:
          - name: pm25-24h-mean
            kind: air
            metric: pm25
            window: { function: mean, over: 24h, bucket: 1h, min_count: 20 }
            above: 60
            severity: warning
        """;

    private const string O38hMean = """
        rules:
          - name: o3-8h-mean
            kind: air
            metric: o3
            window: { function: mean, over: 8h, bucket: 1h, min_count: 6 }
            above: 160
            severity: warning
        """;

    private static TimeSpan Hours(double hours) => TimeSpan.FromHours(hours);

    [Fact]
    public void A_24h_mean_of_hourly_values_fires_only_once_20_hourly_values_exist()
    {
        var h = new EvaluationHarness(Pm2524hMean);
        var transitions = new List<AlertTransition>();

        // Two readings an hour, averaging 80 (over the limit from the first hour on).
        for (var hour = 0; hour < 22; hour++)
        {
            transitions.AddRange(h.Live(Air("pm25", 70, Hours(hour) + Minutes(10))));
            var hourly = h.Live(Air("pm25", 90, Hours(hour) + Minutes(40)));
            transitions.AddRange(hourly);
            if (hour < 19)
            {
                Assert.Empty(transitions);
            }
        }

        // At 19:10 the 20th hour holds one reading: (19 × 80 + 70) / 20. Its second reading moves the
        // mean to 80 and changes nothing else.
        var fired = Assert.Single(transitions);
        Assert.Equal(
            new AlertTransition(
                "pm25-24h-mean", AlertSeverity.Warning, Core.Readings.SensorKind.Air, "beijing-1", "node-01", "pm25",
                AlertState.Inactive, AlertState.Firing, 79.5, 60, Start + Hours(19) + Minutes(10), Late: false),
            fired);
    }

    [Fact]
    public void The_first_reading_of_the_20th_hour_counts_its_hour()
    {
        // The still filling hour is one of the hourly values as soon as it has a reading.
        var h = new EvaluationHarness(Pm2524hMean);
        for (var hour = 0; hour < 19; hour++)
        {
            Assert.Empty(h.Live(Air("pm25", 80, Hours(hour) + Minutes(59))));
        }

        var fired = Assert.Single(h.Live(Air("pm25", 80, Hours(19))));
        Assert.Equal((AlertState.Firing, 80.0), (fired.To, fired.Value));
    }

    [Fact]
    public void An_8h_ozone_moving_mean_needs_6_of_8_hourly_values_and_moves_with_the_hours()
    {
        var h = new EvaluationHarness(O38hMean);

        // 300 is far over 160, but five hourly values are not a valid 8-h mean.
        foreach (var hour in new[] { 0, 1, 2, 3, 4 })
        {
            Assert.Empty(h.Live(Air("o3", 300, Hours(hour) + Minutes(30))));
        }

        // Hours 5 and 6 missing; hour 7 makes six of the eight hours 0–7.
        var fired = Assert.Single(h.Live(Air("o3", 300, Hours(7) + Minutes(30))));
        Assert.Equal((AlertState.Inactive, AlertState.Firing, 300.0), (fired.From, fired.To, fired.Value));
        Assert.Equal(Start + Hours(7) + Minutes(30), fired.At);
    }

    [Fact]
    public void The_8h_moving_mean_fires_when_old_hours_slide_out()
    {
        var h = new EvaluationHarness(O38hMean);
        double[] hourly = [100, 100, 100, 100, 100, 200, 200, 200, 220, 260];
        var transitions = new List<AlertTransition>();
        for (var hour = 0; hour < hourly.Length; hour++)
        {
            transitions.AddRange(h.Live(Air("o3", hourly[hour], Hours(hour) + Minutes(5))));
        }

        // Hours 0–7: 137.5; hours 1–8: 152.5; hours 2–9: (3 × 100 + 3 × 200 + 220 + 260) / 8 = 172.5.
        var fired = Assert.Single(transitions);
        Assert.Equal((AlertState.Firing, 172.5, 160.0), (fired.To, fired.Value, fired.Threshold));
        Assert.Equal(Start + Hours(9) + Minutes(5), fired.At);
    }

    [Fact]
    public void A_mean_below_the_limit_with_one_high_hour_does_not_fire_while_max_does()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: pm25-mean
                kind: air
                metric: pm25
                window: { function: mean, over: 24h, bucket: 1h, min_count: 20 }
                above: 60
                severity: warning
              - name: pm25-max
                kind: air
                metric: pm25
                window: { function: max, over: 24h, bucket: 1h, min_count: 20 }
                above: 60
                severity: warning
            """);
        var transitions = new List<AlertTransition>();
        for (var hour = 0; hour < 24; hour++)
        {
            transitions.AddRange(h.Live(Air("pm25", hour == 21 ? 200 : 40, Hours(hour) + Minutes(30))));
        }

        // Mean at hour 23: (23 × 40 + 200) / 24 = 46.7, under 60.
        var fired = Assert.Single(transitions);
        Assert.Equal(("pm25-max", AlertState.Firing, 200.0), (fired.RuleName, fired.To, fired.Value));
        Assert.Equal(Start + Hours(21) + Minutes(30), fired.At);
    }

    [Fact]
    public void A_min_window_fires_when_every_hour_is_below()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: do-low-all-day
                kind: water
                metric: do
                window: { function: min, over: 4h, bucket: 1h, min_count: 4 }
                below: 3
                severity: critical
            """);
        var transitions = new List<AlertTransition>();
        double[] hourly = [2, 2.5, 4, 2.8, 2.9];
        for (var hour = 0; hour < hourly.Length; hour++)
        {
            transitions.AddRange(h.Live(new Core.Readings.Reading(
                Core.Readings.SensorKind.Water, "river-1", "probe-01", "do", hourly[hour], (Start + Hours(hour)).ToUnixTimeMilliseconds())));
        }

        // Min over hours 0–3 is 2: below 3 at once at hour 3.
        var fired = Assert.Single(transitions);
        Assert.Equal((AlertState.Firing, 2.0, Start + Hours(3)), (fired.To, fired.Value, fired.At));
    }

    [Fact]
    public void When_validity_is_lost_a_firing_alert_holds_until_a_valid_mean_clears_it()
    {
        var h = new EvaluationHarness(Pm2524hMean);
        var transitions = new List<AlertTransition>();
        for (var hour = 0; hour < 20; hour++)
        {
            transitions.AddRange(h.Live(Air("pm25", 80, Hours(hour) + Minutes(30))));
        }

        Assert.Equal(AlertState.Firing, Assert.Single(transitions).To);
        transitions.Clear();

        // A 20-hour outage: the window of hour 40 holds hours 17, 18, 19 and 40, not a valid mean.
        // Low values, but they neither resolve the alert nor count until 20 hourly values exist again.
        for (var hour = 40; hour < 59; hour++)
        {
            transitions.AddRange(h.Live(Air("pm25", 10, Hours(hour) + Minutes(30))));
        }

        Assert.Empty(transitions);
        var resolved = Assert.Single(h.Live(Air("pm25", 10, Hours(59) + Minutes(30))));
        Assert.Equal((AlertState.Firing, AlertState.Resolved, 10.0, 60.0), (resolved.From, resolved.To, resolved.Value, resolved.Threshold));
        Assert.Equal(Start + Hours(59) + Minutes(30), resolved.At);
    }

    [Fact]
    public void An_invalid_window_never_fires_however_high()
    {
        var h = new EvaluationHarness(Pm2524hMean);

        // One reading every other hour: at most 12 hourly values in any 24 h.
        for (var hour = 0; hour < 72; hour += 2)
        {
            Assert.Empty(h.Live(Air("pm25", 500, Hours(hour))));
        }
    }

    [Fact]
    public void A_replayed_backlog_gives_the_transitions_of_live_readings_marked_late()
    {
        var readings = Episode();
        var live = new EvaluationHarness(Pm2524hMean);
        var liveTransitions = readings.SelectMany(live.Live).ToList();

        var replay = new EvaluationHarness(Pm2524hMean);
        replay.Time.SetUtcNow(Start + Hours(80));
        var replayed = readings.SelectMany(replay.Evaluator.Observe).ToList();

        Assert.Equal(
            [(AlertState.Inactive, AlertState.Firing), (AlertState.Firing, AlertState.Resolved)],
            liveTransitions.Select(t => (t.From, t.To)));
        Assert.All(liveTransitions, t => Assert.False(t.Late));
        Assert.All(replayed, t => Assert.True(t.Late));
        Assert.Equal(liveTransitions.Select(t => t with { Late = true }), replayed);
    }

    [Fact]
    public void A_rewritten_reading_replaces_its_point_and_an_older_one_is_ignored()
    {
        var h = new EvaluationHarness(Pm2524hMean);
        for (var hour = 0; hour < 19; hour++)
        {
            h.Live(Air("pm25", 61, Hours(hour)));
        }

        // Same timestamp: replaces the point, as the store does (a redelivery of 61 would change nothing).
        h.Live(Air("pm25", 71, Hours(18)));
        Assert.Empty(h.Live(Air("pm25", 500, Hours(17))));
        Assert.Equal(1, h.Evaluator.OutOfOrderReadings);

        // (18 × 61 + 71 + 61) / 20; had 71 been added to hour 18 rather than replaced, 61.25.
        var fired = Assert.Single(h.Live(Air("pm25", 61, Hours(19))));
        Assert.Equal(61.5, fired.Value, 9);
    }

    [Fact]
    public void A_raw_window_without_buckets_aggregates_the_readings_within_its_length()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: pm25-10m-max
                kind: air
                metric: pm25
                window: { function: max, over: 10m, min_count: 3 }
                above: 75
                severity: warning
            """);

        // One a minute: valid from the third reading; 100 (minute 0) leaves the window (t − 10m, t] at minute 10.
        var transitions = h.LiveSeries("pm25", TimeSpan.Zero, 100, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20);

        Assert.Collection(
            transitions,
            t => Assert.Equal((AlertState.Firing, 100.0, Start + Minutes(2)), (t.To, t.Value, t.At)),
            t => Assert.Equal((AlertState.Resolved, 20.0, Start + Minutes(10)), (t.To, t.Value, t.At)));
    }

    [Fact]
    public void A_raw_window_keeps_at_most_the_configured_number_of_readings()
    {
        var h = new EvaluationHarness(
            """
            rules:
              - name: pm25-1h-mean
                kind: air
                metric: pm25
                window: { function: mean, over: 1h }
                above: 75
                severity: warning
            """,
            new AlertEvaluatorOptions { MaxWindowValues = 4 });

        // Mean of the newest four readings only: 10, 10, 100, 100, 100 gives (10 + 3 × 100) / 4 = 77.5;
        // then 100, 100, 10, 10 gives 55 (the hour-long window would still hold all nine).
        var transitions = h.LiveSeries("pm25", TimeSpan.Zero, 10, 10, 10, 10, 100, 100, 100, 10, 10);

        Assert.Collection(
            transitions,
            t => Assert.Equal((AlertState.Firing, 77.5), (t.To, t.Value)),
            t => Assert.Equal((AlertState.Resolved, 55.0), (t.To, t.Value)));
    }

    [Fact]
    public void An_idle_window_state_is_kept_for_the_length_of_its_window()
    {
        var h = new EvaluationHarness(
            """
            rules:
              - name: pm25-48h-mean
                kind: air
                metric: pm25
                window: { function: mean, over: 48h, bucket: 1h, min_count: 2 }
                above: 60
                severity: warning
            """,
            new AlertEvaluatorOptions { IdleStateExpiry = TimeSpan.FromHours(1) });
        h.Live(Air("pm25", 80, TimeSpan.Zero));

        h.Time.Advance(Hours(30));
        h.Evaluator.Tick();
        Assert.Equal(1, h.Evaluator.StateCount);

        // The hour-0 value is still in the window of hour 30.
        Assert.Equal(AlertState.Firing, Assert.Single(h.Live(Air("pm25", 80, Hours(30)))).To);
    }

    /// <summary>
    /// Three days of readings every 20 minutes, noisy, rising over the daily limit and back.
    /// </summary>
    private static List<Core.Readings.Reading> Episode()
    {
        var readings = new List<Core.Readings.Reading>();
        for (var minute = 0; minute < 72 * 60; minute += 20)
        {
            var hour = minute / 60.0;
            var level = hour is > 20 and < 45 ? 95 : 30;
            readings.Add(Air("pm25", level + (minute % 7) - 3.3, Minutes(minute)));
        }

        return readings;
    }
}
