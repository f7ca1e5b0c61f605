using System.Text.Json;
using System.Text.Json.Serialization;
using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Readings;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>
/// The evaluator's state survives a restart: an evaluator restored from a snapshot (through JSON,
/// as on disk) continues exactly as the one that was never stopped.
/// </summary>
public sealed class PersistenceTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private const string Deadman15m = """
        rules:
          - name: silent
            kind: air
            deadman: 15m
            severity: warning
        """;

    public static TheoryData<string, string, double[]> Rules => new()
    {
        { "pending (for)", "above: 75\n    for: 10m", [80, 90, 85, 70, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 60, 50] },
        { "hysteresis band", "above: 75\n    clear_below: 60", [50, 80, 70, 65, 62, 70, 61, 80, 59, 90, 40] },
        { "levels", "levels:\n      - { severity: warning, above: 75, clear_below: 60 }\n      - { severity: critical, above: 150, clear_below: 120 }", [80, 160, 140, 130, 119, 100, 59, 200, 40] },
        { "outside", "outside: [10, 100]", [50, 120, 90, 5, 50, 101, 11] },
        { "window mean", "above: 75\n    window: { function: mean, over: 10m }", [70, 80, 90, 60, 50, 40, 100, 100, 100, 30, 30, 30, 30, 30] },
        { "window max hourly", "above: 75\n    window: { function: max, over: 3h, bucket: 1h, min_count: 2 }", [70, 80, 90, 60, 50, 40, 100, 100, 100, 30, 30, 30, 30, 30] },
        { "rate", "rate: { per: 1m, above: 15 }", [10, 12, 30, 31, 60, 61, 61, 10, 12] },
        { "stuck", "stuck: { for: 5m, readings: 4, tolerance: 0.5 }", [10, 10.2, 10.1, 10, 10.3, 10.2, 10, 10, 12, 12, 12, 12, 12, 12, 12, 15] },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void A_restored_evaluator_continues_as_the_one_never_stopped(string name, string condition, double[] values)
    {
        var severity = condition.StartsWith("levels", StringComparison.Ordinal) ? string.Empty : "severity: warning";
        var yaml = $"""
            rules:
              - name: r
                kind: air
                metric: pm25
                {condition}
                {severity}
            """;
        Assert.NotNull(name);

        // Readings 20 minutes apart for hourly windows, a minute apart otherwise.
        var step = condition.Contains("bucket", StringComparison.Ordinal) ? Minutes(20) : Minutes(1);
        for (var cut = 1; cut < values.Length; cut++)
        {
            var never = new EvaluationHarness(yaml);
            var before = new EvaluationHarness(yaml);
            for (var i = 0; i < cut; i++)
            {
                never.Live(Air("pm25", values[i], step * i));
                before.Live(Air("pm25", values[i], step * i));
            }

            var json = JsonSerializer.Serialize(before.Evaluator.Snapshot(), Json);
            var restarted = new EvaluationHarness(yaml);
            restarted.Time.SetUtcNow(before.Time.GetUtcNow());
            var result = restarted.Evaluator.Restore(JsonSerializer.Deserialize<EvaluatorSnapshot>(json, Json)!);
            Assert.Equal(new RestoreResult(1, 0, 0), result);

            var expected = new List<AlertTransition>();
            var actual = new List<AlertTransition>();
            for (var i = cut; i < values.Length; i++)
            {
                expected.AddRange(never.Live(Air("pm25", values[i], step * i)));
                actual.AddRange(restarted.Live(Air("pm25", values[i], step * i)));
            }

            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void A_deadman_after_a_restart_does_not_count_the_downtime_as_silence()
    {
        var h = new EvaluationHarness(Deadman15m);
        h.Live(Air("pm25", 40, TimeSpan.Zero));
        h.Time.Advance(Minutes(5));
        Assert.Empty(h.Evaluator.Tick());
        var snapshot = h.Evaluator.Snapshot();

        // Down for an hour; restarted. Silence so far: 5 minutes before the stop.
        var restarted = new EvaluationHarness(Deadman15m);
        restarted.Time.SetUtcNow(Start + Minutes(65));
        Assert.Equal(1, restarted.Evaluator.Restore(snapshot).Restored);
        Assert.Empty(restarted.Evaluator.Tick());
        restarted.Time.SetUtcNow(Start + Minutes(74));
        Assert.Empty(restarted.Evaluator.Tick());
        restarted.Time.SetUtcNow(Start + Minutes(75));
        var fired = Assert.Single(restarted.Evaluator.Tick());
        Assert.Equal((AlertState.Firing, Start + Minutes(75)), (fired.To, fired.At));
    }

    [Fact]
    public void A_firing_deadman_stays_firing_over_a_restart_and_resolves_at_the_next_reading()
    {
        var h = new EvaluationHarness(Deadman15m);
        h.Live(Air("pm25", 40, TimeSpan.Zero));
        h.Time.Advance(Minutes(16));
        Assert.Equal(AlertState.Firing, Assert.Single(h.Evaluator.Tick()).To);

        var restarted = new EvaluationHarness(Deadman15m);
        restarted.Time.SetUtcNow(Start + Minutes(30));
        restarted.Evaluator.Restore(h.Evaluator.Snapshot());
        Assert.Empty(restarted.Evaluator.Tick());
        restarted.Time.SetUtcNow(Start + Minutes(90));
        Assert.Empty(restarted.Evaluator.Tick());

        var resolved = Assert.Single(restarted.Live(Air("pm25", 41, Minutes(91))));
        Assert.Equal((AlertState.Firing, AlertState.Resolved), (resolved.From, resolved.To));
    }

    [Fact]
    public void States_of_a_changed_or_removed_rule_are_dropped_and_the_others_kept()
    {
        var before = new EvaluationHarness("""
            rules:
              - name: kept
                kind: air
                metric: pm25
                above: 75
                severity: warning
              - name: changed
                kind: air
                metric: pm25
                above: 75
                severity: warning
              - name: removed
                kind: air
                metric: pm25
                above: 75
                severity: warning
            """);
        before.Live(Air("pm25", 80, TimeSpan.Zero));

        var after = new EvaluationHarness("""
            rules:
              - name: changed
                kind: air
                metric: pm25
                above: 70
                severity: warning
              - name: kept
                kind: air
                metric: pm25
                above: 75
                description: a new description changes nothing that matters
                severity: warning
            """);
        Assert.Equal(new RestoreResult(1, 2, 0), after.Evaluator.Restore(before.Evaluator.Snapshot()));

        // "kept" is still firing (no new firing); "changed" starts over and fires.
        var transitions = after.Live(Air("pm25", 80, Minutes(1)));
        Assert.Equal("changed", Assert.Single(transitions).RuleName);
    }

    [Fact]
    public void Aligning_with_the_book_makes_a_missing_firing_state_resolvable_and_a_stale_one_quiet()
    {
        const string Yaml = """
            rules:
              - name: pm10
                kind: air
                metric: pm10
                levels:
                  - { severity: warning, above: 150, clear_below: 120 }
                  - { severity: critical, above: 350, clear_below: 300 }
              - name: silent
                kind: air
                deadman: 15m
                severity: warning
            """;
        var h = new EvaluationHarness(Yaml);
        h.Live(Air("pm10", 400, TimeSpan.Zero, device: "stale"));
        var firing = new Dictionary<(string, SensorKind, string, string, string?), Core.Alerting.Rules.AlertSeverity>
        {
            [("pm10", SensorKind.Air, "beijing-1", "node-01", "pm10")] = Core.Alerting.Rules.AlertSeverity.Critical,
            [("silent", SensorKind.Air, "beijing-1", "node-02", null)] = Core.Alerting.Rules.AlertSeverity.Warning,
        };

        // node-01 fired (the book says) after the evaluator's snapshot; "stale" had resolved.
        Assert.Equal(3, h.Evaluator.Align(firing));

        // node-01: inside the critical band nothing; under 300 it de-escalates, then resolves.
        Assert.Empty(h.Live(Air("pm10", 320, Minutes(1))));
        Assert.Equal(AlertState.Firing, Assert.Single(h.Live(Air("pm10", 200, Minutes(2)))).To);
        Assert.Equal(AlertState.Resolved, Assert.Single(h.Live(Air("pm10", 100, Minutes(3)))).To);

        // "stale" no longer firing: the next violation is a new alert.
        var again = Assert.Single(h.Live(Air("pm10", 400, Minutes(4), device: "stale")), t => t.RuleName == "pm10");
        Assert.Equal((AlertState.Inactive, AlertState.Firing), (again.From, again.To));

        // node-02's deadman resolves at its first reading.
        var back = h.Live(Air("pm10", 10, Minutes(5), device: "node-02"));
        Assert.Contains(back, t => t.RuleName == "silent" && t.To == AlertState.Resolved);
    }

    [Fact]
    public void An_unreadable_state_is_dropped_not_thrown()
    {
        const string Yaml = """
            rules:
              - name: r
                kind: air
                metric: pm25
                above: 75
                for: 5m
                severity: warning
            """;
        var h = new EvaluationHarness(Yaml);
        h.Live(Air("pm25", 80, TimeSpan.Zero));
        var snapshot = h.Evaluator.Snapshot();
        var state = Assert.Single(snapshot.Series);
        var damaged = snapshot with
        {
            Series =
            [
                state with { Longs = state.Longs[..^1] },
                state with { Site = "other", Longs = [.. state.Longs, 7] },
                state with { Site = "third", Longs = [state.Longs[0], 5, -1, .. state.Longs[3..]] },
            ],
        };

        var restarted = new EvaluationHarness(Yaml);
        Assert.Equal(new RestoreResult(0, 0, 3), restarted.Evaluator.Restore(damaged));
        Assert.Equal(0, restarted.Evaluator.StateCount);
    }

    [Fact]
    public void The_fingerprint_ignores_name_line_and_description_but_not_limits_or_scope()
    {
        var file = new Core.Alerting.Rules.RulesFileParser(Core.Catalog.MetricCatalog.Default).Parse("""
            rules:
              - name: a
                kind: air
                metric: pm25
                above: 75
                severity: warning
              - name: b
                description: same rule, other words
                kind: air
                metric: pm25
                above: 75
                severity: warning
              - name: c
                kind: air
                metric: pm25
                above: 76
                severity: warning
              - name: d
                kind: air
                metric: pm25
                site: "bj-*"
                above: 75
                severity: warning
            """);
        var prints = file.Rules.Select(AlertEvaluator.FingerprintOf).ToList();
        Assert.Equal(prints[0], prints[1]);
        Assert.Equal(4 - 1, prints.Distinct().Count());
        Assert.Equal(SensorKind.Air, file.Rules[0].Kind);
    }
}
