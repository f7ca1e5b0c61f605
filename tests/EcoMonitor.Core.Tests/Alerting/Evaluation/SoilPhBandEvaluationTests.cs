using EcoMonitor.Core.Alerting.Evaluation;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>
/// GB 15618 without a fixed pH: the limit follows the site's latest soil pH reading (any device of
/// the site), chosen when a pollutant reading is evaluated.
/// </summary>
public sealed class SoilPhBandEvaluationTests
{
    // Paddy Cd screening values: 0.3 / 0.4 / 0.6 / 0.8 for pH ≤ 5.5 / ≤ 6.5 / ≤ 7.5 / > 7.5.
    private const string PaddyScreening = """
        rules:
          - name: paddy
            site: "field-*"
            profile: gb15618-paddy
            severity: warning
        """;

    [Fact]
    public void A_pollutant_reading_before_any_pH_of_its_site_is_skipped_and_counted()
    {
        var h = new EvaluationHarness(PaddyScreening);

        Assert.Empty(h.Live(Soil("cd", 5, Minutes(1))));
        Assert.Empty(h.Live(Soil("hg", 5, Minutes(1))));

        Assert.Equal(2, h.Evaluator.UnclassifiedSoilReadings);
        Assert.Equal(0, h.Evaluator.StateCount);

        // A pH of another site does not classify this one.
        h.Live(Soil("ph", 7, Minutes(2), site: "field-2", device: "probe"));
        Assert.Empty(h.Live(Soil("cd", 5, Minutes(3))));
        Assert.Equal(3, h.Evaluator.UnclassifiedSoilReadings);
    }

    [Fact]
    public void The_limit_follows_the_pH_band_of_the_sites_latest_pH_reading()
    {
        var h = new EvaluationHarness(PaddyScreening);

        // The pH probe and the lab are different devices of the same site.
        Assert.Empty(h.Live(Soil("ph", 7.0, Minutes(1), device: "probe")));
        Assert.Empty(h.Live(Soil("cd", 0.5, Minutes(2))));

        // Down to pH 6.0: on its own the band change emits nothing; the next Cd reading is over 0.4.
        Assert.Empty(h.Live(Soil("ph", 6.0, Minutes(3), device: "probe")));
        var fired = Assert.Single(h.Live(Soil("cd", 0.5, Minutes(4))));
        Assert.Equal(("paddy/cd", "cd", AlertState.Firing, 0.5, 0.4), (fired.RuleName, fired.Metric, fired.To, fired.Value, fired.Threshold));

        // Up to pH 8: Cd 0.5 is under 0.8, so it resolves (against the limit that was firing).
        Assert.Empty(h.Live(Soil("ph", 8.0, Minutes(5), device: "probe")));
        var resolved = Assert.Single(h.Live(Soil("cd", 0.5, Minutes(6))));
        Assert.Equal((AlertState.Resolved, 0.4), (resolved.To, resolved.Threshold));
        Assert.Equal(0, h.Evaluator.UnclassifiedSoilReadings);
    }

    [Fact]
    public void A_band_edge_belongs_to_the_band_below_and_the_limit_is_strict()
    {
        var h = new EvaluationHarness(PaddyScreening);

        // pH 7.5 is in (6.5, 7.5]: Cd 0.6 meets it.
        h.Live(Soil("ph", 7.5, Minutes(1), device: "probe"));
        Assert.Empty(h.Live(Soil("cd", 0.6, Minutes(2))));
        Assert.Equal(0.6, Assert.Single(h.Live(Soil("cd", 0.61, Minutes(3)))).Threshold);

        // pH 5.5 is in ≤ 5.5: Hg 0.5 meets it, 0.51 does not.
        h.Live(Soil("ph", 5.5, Minutes(4), device: "probe"));
        Assert.Empty(h.Live(Soil("hg", 0.5, Minutes(5))));
        Assert.Equal(0.5, Assert.Single(h.Live(Soil("hg", 0.51, Minutes(6)))).Threshold);
    }

    [Fact]
    public void Out_of_order_pH_and_pollutant_readings_are_ignored_and_counted()
    {
        var h = new EvaluationHarness(PaddyScreening);
        h.Live(Soil("ph", 6.0, Minutes(10), device: "probe"));
        Assert.Single(h.Live(Soil("cd", 0.5, Minutes(11))));

        // An older pH of 8 would lift the limit to 0.8 and resolve; it is not the latest, so it is ignored.
        Assert.Empty(h.Evaluator.Observe(Soil("ph", 8.0, Minutes(5), device: "probe")));
        Assert.Equal(1, h.Evaluator.OutOfOrderReadings);
        Assert.Empty(h.Live(Soil("cd", 0.5, Minutes(12))));

        // An older Cd reading cannot move the state back in time.
        Assert.Empty(h.Evaluator.Observe(Soil("cd", 0.1, Minutes(3))));
        Assert.Equal(2, h.Evaluator.OutOfOrderReadings);

        // A pH reading with the same timestamp as the latest replaces it (the store replaces the point).
        Assert.Empty(h.Evaluator.Observe(Soil("ph", 8.0, Minutes(10), device: "probe")));
        Assert.Equal(AlertState.Resolved, Assert.Single(h.Live(Soil("cd", 0.5, Minutes(13)))).To);
    }

    [Fact]
    public void The_site_pH_counts_against_the_state_bound_and_is_kept_by_tick()
    {
        var h = new EvaluationHarness(PaddyScreening, new AlertEvaluatorOptions { IdleStateExpiry = TimeSpan.FromHours(1) });
        h.Live(Soil("ph", 6.0, Minutes(1), device: "probe"));
        h.Live(Soil("cd", 0.1, Minutes(2)));
        Assert.Equal(2, h.Evaluator.StateCount);

        // Sites outside every pH-band rule's site glob are not kept.
        h.Live(Soil("ph", 6.0, Minutes(2), site: "garden-1"));
        Assert.Equal(2, h.Evaluator.StateCount);

        // A month later the Cd state has expired, the site's pH has not: a new lab result is classified.
        h.Time.Advance(TimeSpan.FromDays(30));
        h.Evaluator.Tick();
        Assert.Equal(1, h.Evaluator.StateCount);
        Assert.Equal(0.4, Assert.Single(h.Live(Soil("cd", 0.5, TimeSpan.FromDays(30)))).Threshold);
    }
}
