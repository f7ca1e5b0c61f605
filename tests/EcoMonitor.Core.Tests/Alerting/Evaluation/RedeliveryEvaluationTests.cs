using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Readings;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>
/// A reading evaluated again (a broker redelivery, or the service retrying a message whose
/// handling failed after the evaluation) is the same evidence, not more of it: every kind of rule
/// gives the same transitions whether each reading is seen once or twice.
/// </summary>
public sealed class RedeliveryEvaluationTests
{
    private const string EveryKindOfRule = """
        rules:
          - name: pm25-high
            kind: air
            metric: pm25
            above: 75
            clear_below: 60
            for: 2m
            severity: warning
          - name: pm25-mean
            kind: air
            metric: pm25
            window: { function: mean, over: 10m, min_count: 3 }
            above: 50
            severity: info
          - name: temperature-stuck
            kind: air
            metric: temperature
            stuck: { readings: 3, tolerance: 0.01 }
            severity: info
          - name: pm10-jump
            kind: air
            metric: pm10
            rate: { per: 1m, above: 50 }
            severity: warning
          - name: aqi
            aqi: { standard: hj633-2026, above_level: 3, basis: hourly }
            severity: critical
          - name: node-silent
            kind: "*"
            deadman: 15m
            severity: warning
        """;

    private static readonly (double Pm25, double Temperature, double Pm10)[] Minutes =
    [
        (10, 20, 10), (80, 20, 100), (250, 20, 100), (260, 21, 20), (90, 21, 20), (40, 21, 20), (30, 22, 20),
    ];

    [Fact]
    public void Every_rule_gives_the_same_transitions_when_each_reading_is_observed_twice()
    {
        var fromRepeats = new List<AlertTransition>();
        var once = Run(new EvaluationHarness(EveryKindOfRule), null);
        var twice = Run(new EvaluationHarness(EveryKindOfRule), fromRepeats);

        // The case covers every rule: each of them changed state at least once.
        Assert.Equal(
            ["aqi", "node-silent", "pm10-jump", "pm25-high", "pm25-mean", "temperature-stuck"],
            once.Select(t => t.RuleName).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(once, twice);
        Assert.Empty(fromRepeats);
    }

    /// <summary>All transitions of the scenario; with <paramref name="fromRepeats"/>, each reading is observed twice and what the second observations gave goes there too.</summary>
    private static List<AlertTransition> Run(EvaluationHarness h, List<AlertTransition>? fromRepeats)
    {
        var all = new List<AlertTransition>();
        void See(Reading reading)
        {
            all.AddRange(h.Live(reading));
            if (fromRepeats is not null)
            {
                var again = h.Evaluator.Observe(reading);
                fromRepeats.AddRange(again);
                all.AddRange(again);
            }
        }

        for (var i = 0; i < Minutes.Length; i++)
        {
            var (pm25, temperature, pm10) = Minutes[i];
            See(Air("pm25", pm25, EvaluationHarness.Minutes(i)));
            See(Air("temperature", temperature, EvaluationHarness.Minutes(i)));
            See(Air("pm10", pm10, EvaluationHarness.Minutes(i)));
        }

        // Silent long enough for the deadman, then heard again.
        h.Time.Advance(TimeSpan.FromMinutes(20));
        all.AddRange(h.Evaluator.Tick());
        See(Air("pm25", 20, EvaluationHarness.Minutes(30)));
        return all;
    }
}
