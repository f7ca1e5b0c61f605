using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>
/// AQI-level rules: the index from hourly buckets per pollutant, fed to the threshold lifecycle at
/// the top AQI of the level (level above 3 ⇔ AQI above 150). Expected indices worked by hand from
/// the breakpoint tables (HJ 633-2026 Table 3, EPA TAD 2024 Table 6).
/// </summary>
public sealed class AqiEvaluationTests
{
    private static string Rule(string standard, int aboveLevel, string basis) => $$"""
        rules:
          - name: aqi
            aqi: { standard: {{standard}}, above_level: {{aboveLevel}}, basis: {{basis}} }
            severity: critical
        """;

    [Fact]
    public void Hourly_AQI_fires_from_the_hours_mean_and_resolves_on_the_next_hours()
    {
        var h = new EvaluationHarness(Rule("hj633-2026", 3, "hourly"));

        // HJ 633-2026 indexes the 1 h PM2.5 mean with the 24 h breakpoints (60 → 100, 115 → 150).
        // 100: 100 + 50 × 40 / 55 = 136.4 → 137, level 3: not above 3.
        Assert.Empty(h.Live(Air("pm25", 100, Minutes(10))));

        // Hour mean (100 + 140) / 2 = 120: 150 + 50 × 5 / 35 = 157.1 → 158, level 4.
        var fired = Assert.Single(h.Live(Air("pm25", 140, Minutes(40))));
        Assert.Equal(
            new AlertTransition("aqi", AlertSeverity.Critical, SensorKind.Air, "beijing-1", "node-01", "aqi",
                AlertState.Inactive, AlertState.Firing, 158, 150, Start + Minutes(40), Late: false),
            fired);

        // The next hour starts a new mean: 50 → 50 + 50 × 15 / 25 = 80.
        var resolved = Assert.Single(h.Live(Air("pm25", 50, Hours(1) + Minutes(5))));
        Assert.Equal((AlertState.Firing, AlertState.Resolved, 80.0, 150.0), (resolved.From, resolved.To, resolved.Value, resolved.Threshold));
    }

    [Fact]
    public void An_AQI_at_the_top_of_the_level_is_not_above_it()
    {
        var h = new EvaluationHarness(Rule("hj633-2026", 3, "hourly"));

        // 115 µg/m³ is IAQI 150 exactly; 115.4 rounds to 115 (HJ 633-2026 §4.2.2).
        Assert.Empty(h.Live(Air("pm25", 115, Minutes(0))));
        Assert.Empty(h.Live(Air("pm25", 115.8, Minutes(1))));

        // Hour mean (115 + 115.8 + 118.2) / 3 = 116.33 → 116: 150 + 50 / 35 = 151.4 → 152.
        Assert.Equal(152.0, Assert.Single(h.Live(Air("pm25", 118.2, Minutes(2)))).Value);

        // Next hour at 115: AQI 150, not above 150, resolves.
        Assert.Equal((AlertState.Resolved, 150.0), Assert.Single(h.Live(Air("pm25", 115, Hours(1)))) is var r ? (r.To, r.Value) : default);
    }

    [Fact]
    public void The_AQI_is_the_highest_sub_index_across_pollutants()
    {
        var h = new EvaluationHarness(Rule("hj633-2026", 2, "hourly"));

        // PM2.5 40: 60. O3 1 h 250: 100 + 50 × 50 / 100 = 125, level 3.
        Assert.Empty(h.Live(Air("pm25", 40, Minutes(1))));
        var fired = Assert.Single(h.Live(Air("o3", 250, Minutes(2))));
        Assert.Equal((125.0, 100.0), (fired.Value, fired.Threshold));

        // One state for the device, not one per pollutant.
        Assert.Equal(1, h.Evaluator.StateCount);
    }

    [Fact]
    public void A_1h_value_falls_back_to_the_previous_hour_while_the_current_has_none()
    {
        var h = new EvaluationHarness(Rule("hj633-2026", 3, "hourly"));
        Assert.Single(h.Live(Air("pm25", 120, Minutes(50))));

        // A new hour of O3 only: PM2.5 is still its last complete hour (158), so nothing clears.
        Assert.Empty(h.Live(Air("o3", 20, Hours(1) + Minutes(5))));

        // Two hours on, PM2.5 has no 1 h value: the AQI from O3 alone (7) is a lower bound and
        // cannot clear what PM2.5 raised...
        Assert.Empty(h.Live(Air("o3", 20, Hours(2) + Minutes(5))));

        // ...until PM2.5 reports again.
        Assert.Equal((AlertState.Resolved, 43.0), Assert.Single(h.Live(Air("pm25", 30, Hours(2) + Minutes(6)))) is var r ? (r.To, r.Value) : default);
    }

    [Fact]
    public void A_lower_bound_AQI_with_a_pollutant_missing_may_still_fire()
    {
        var h = new EvaluationHarness(Rule("hj633-2026", 3, "hourly"));
        Assert.Empty(h.Live(Air("pm25", 30, Minutes(0))));

        // Hour 2: PM2.5 silent for two hours; O3 450: 200 + 100 × 50 / 400 = 212.5 → 213.
        var fired = Assert.Single(h.Live(Air("o3", 450, Hours(2))));
        Assert.Equal((AlertState.Firing, 213.0), (fired.To, fired.Value));
    }

    [Fact]
    public void Daily_AQI_needs_20_hourly_values_to_fire_and_to_clear()
    {
        var h = new EvaluationHarness(Rule("hj633-2026", 2, "daily"));
        var transitions = new List<AlertTransition>();

        // PM2.5 80 every hour: 24 h mean 80 → 100 + 50 × 20 / 55 = 118.2 → 119; valid from the 20th hour.
        for (var hour = 0; hour < 20; hour++)
        {
            transitions.AddRange(h.Live(Air("pm25", 80, Hours(hour) + Minutes(30))));
            if (hour < 19)
            {
                Assert.Empty(transitions);
            }
        }

        var fired = Assert.Single(transitions);
        Assert.Equal((AlertState.Firing, 119.0, 100.0, Start + Hours(19) + Minutes(30)), (fired.To, fired.Value, fired.Threshold, fired.At));

        // After a gap, clean air: the 24 h windows hold too few hourly values to clear until the
        // 20th clean hour (hours 40–59; the old hours 17–19 have left the window by then).
        transitions.Clear();
        for (var hour = 40; hour < 60; hour++)
        {
            transitions.AddRange(h.Live(Air("pm25", 10, Hours(hour) + Minutes(30))));
            if (hour < 59)
            {
                Assert.Empty(transitions);
            }
        }

        // 10 µg/m³: 50 × 10 / 35 = 14.3 → 15.
        var resolved = Assert.Single(transitions);
        Assert.Equal((AlertState.Resolved, 15.0, Start + Hours(59) + Minutes(30)), (resolved.To, resolved.Value, resolved.At));
    }

    [Fact]
    public void Daily_ozone_is_the_highest_8h_moving_mean_of_the_day()
    {
        var h = new EvaluationHarness(Rule("hj633-2026", 2, "daily"));
        var transitions = new List<AlertTransition>();

        // O3 200 for hours 0–7, then 60: the 8 h mean of hours 0–7 is 200 (100 + 50 × 40 / 55 = 136.4 → 137),
        // and stays the day's maximum while later 8 h means fall. Fires at the 20th hourly value.
        for (var hour = 0; hour < 24; hour++)
        {
            transitions.AddRange(h.Live(Air("o3", hour < 8 ? 200 : 60, Hours(hour))));
        }

        var fired = Assert.Single(transitions);
        Assert.Equal((137.0, Start + Hours(19)), (fired.Value, fired.At));
    }

    [Fact]
    public void HJ633_2012_hourly_takes_the_24h_moving_mean_for_PM()
    {
        var h = new EvaluationHarness(Rule("hj633-2012", 3, "hourly"));
        var transitions = new List<AlertTransition>();

        // 2012 has no 1 h PM breakpoints: PM2.5 enters as its 24 h moving mean, valid with 20 hourly values.
        // 200 µg/m³ (2012 table: 150 → 200, 250 → 300): IAQI 250.
        for (var hour = 0; hour < 20; hour++)
        {
            transitions.AddRange(h.Live(Air("pm25", 200, Hours(hour))));
        }

        var fired = Assert.Single(transitions);
        Assert.Equal((250.0, Start + Hours(19)), (fired.Value, fired.At));
    }

    [Fact]
    public void EPA_converts_catalog_units_to_ppb_and_rounds_half_up()
    {
        var h = new EvaluationHarness(Rule("epa-2024", 2, "hourly"));

        // NO2 200 µg/m³ = 200 / (46.01 / 24.465) = 106.3 ppb → 106: 101 + 49 × 5 / 259 = 101.9 → 102.
        var fired = Assert.Single(h.Live(Air("no2", 200, Minutes(5))));
        Assert.Equal((AlertState.Firing, 102.0, 100.0), (fired.To, fired.Value, fired.Threshold));

        // 188 µg/m³ = 99.97 ppb → 99: 51 + 49 × 45 / 46 = 98.9 → 99.
        Assert.Equal((AlertState.Resolved, 99.0), Assert.Single(h.Live(Air("no2", 188, Hours(1) + Minutes(5)))) is var r ? (r.To, r.Value) : default);
    }

    [Fact]
    public void A_reading_older_than_the_last_of_its_pollutant_is_ignored_another_pollutants_is_not()
    {
        var h = new EvaluationHarness(Rule("hj633-2026", 3, "hourly"));
        Assert.Single(h.Live(Air("pm25", 120, Minutes(30))));

        // PM2.5 from before its last reading: ignored (it would lower the hour's mean to 60 and clear).
        Assert.Empty(h.Evaluator.Observe(Air("pm25", 0, Minutes(20))));
        Assert.Equal(1, h.Evaluator.OutOfOrderReadings);

        // O3 stamped before the last PM2.5 is O3's first reading: taken, and the AQI is still 158.
        Assert.Empty(h.Evaluator.Observe(Air("o3", 20, Minutes(10))));
        Assert.Equal(1, h.Evaluator.OutOfOrderReadings);

        // A redelivery (same timestamp) replaces the reading: the hour's mean becomes 50 → 80, resolved.
        var resolved = Assert.Single(h.Evaluator.Observe(Air("pm25", 50, Minutes(30))));
        Assert.Equal((AlertState.Resolved, 80.0, Start + Minutes(30)), (resolved.To, resolved.Value, resolved.At));
    }

    [Fact]
    public void An_AQI_state_survives_a_snapshot_and_restore()
    {
        // Persistence is the snapshot's; this checks the AQI state's part of it (firing, and the buckets).
        var rules = Rule("hj633-2026", 3, "daily");
        var before = new EvaluationHarness(rules);
        for (var hour = 0; hour < 20; hour++)
        {
            before.Live(Air("pm25", 200, Hours(hour)));
        }

        var restarted = new EvaluationHarness(rules);
        restarted.Time.SetUtcNow(before.Time.GetUtcNow());
        Assert.Equal(new RestoreResult(1, 0, 0), restarted.Evaluator.Restore(before.Evaluator.Snapshot()));

        var transitions = new List<AlertTransition>();
        for (var hour = 20; hour < 40; hour++)
        {
            transitions.AddRange(restarted.Live(Air("pm25", 10, Hours(hour))));
        }

        // Hour 30: (13 × 200 + 11 × 10) / 24 = 112.9 → 113 → 149, the first mean at or under IAQI 150.
        // Without the restored hours the window would hold 11 hourly values and could not clear yet.
        var resolved = Assert.Single(transitions);
        Assert.Equal((AlertState.Firing, AlertState.Resolved, 149.0, Start + Hours(30)), (resolved.From, resolved.To, resolved.Value, resolved.At));
    }

    [Fact]
    public void AQI_for_and_scope_apply_as_for_any_rule()
    {
        var h = new EvaluationHarness("""
            rules:
              - name: aqi
                site: "beijing-*"
                aqi: { standard: hj633-2026, above_level: 3 }
                for: 10m
                severity: warning
            """);

        Assert.Empty(h.Live(Air("pm25", 200, Minutes(0), site: "tianjin-1")));
        Assert.Equal(AlertState.Pending, Assert.Single(h.Live(Air("pm25", 200, Minutes(0)))).To);
        Assert.Empty(h.Live(Air("pm25", 200, Minutes(9))));
        var fired = Assert.Single(h.Live(Air("pm25", 200, Minutes(10))));
        Assert.Equal((AlertState.Pending, AlertState.Firing), (fired.From, fired.To));

        // A water or soil reading never reaches an AQI state.
        Assert.Empty(h.Live(Water("ph", 2, Minutes(11))));
        Assert.Equal(1, h.Evaluator.StateCount);
    }
}
