using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using Xunit;

namespace EcoMonitor.Core.Tests.Alerting.Rules;

/// <summary>The rules file (docs/alert-rules.md): every validation rule, with the line it is reported on.</summary>
public sealed class RulesFileParserTests
{
    private static RulesFile Parse(string yaml, MetricCatalog? catalog = null) =>
        new RulesFileParser(catalog ?? MetricCatalog.Default).Parse(yaml);

    private static RuleProblem Single(RulesFile file, ProblemSeverity severity = ProblemSeverity.Error)
    {
        var problem = Assert.Single(file.Problems);
        Assert.Equal(severity, problem.Severity);
        return problem;
    }

    [Fact]
    public void The_DESIGN_minimum_schema_parses_into_the_model()
    {
        var file = Parse("""
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                site: "*"
                above: 75
                clear_below: 60
                for: 2m
                severity: warning
              - name: node-silent
                kind: "*"
                deadman: 15m
                severity: warning
            """);

        Assert.Empty(file.Problems);
        Assert.Equal(2, file.Rules.Count);
        var high = file.Rules[0];
        Assert.Equal("pm25-high", high.Name);
        Assert.Equal(SensorKind.Air, high.Kind);
        Assert.Equal("pm25", high.Metric);
        Assert.Equal(TimeSpan.FromMinutes(2), high.For);
        Assert.Equal(AlertSeverity.Warning, high.Severity);
        Assert.Equal(2, high.Line);
        var level = Assert.Single(Assert.IsType<ThresholdCondition>(high.Condition).Levels);
        Assert.Equal(new ThresholdLevel(AlertSeverity.Warning, ThresholdDirection.Above, 75, ClearBelow: 60), level);
        Assert.True(level.IsViolated(75.1));
        Assert.False(level.IsViolated(75));
        Assert.False(level.IsCleared(70));
        Assert.True(level.IsCleared(59.9));
        var silent = file.Rules[1];
        Assert.Null(silent.Kind);
        Assert.Null(silent.Metric);
        Assert.Equal(new DeadmanCondition(TimeSpan.FromMinutes(15)), silent.Condition);
    }

    [Fact]
    public void The_example_file_parses_clean()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "deploy", "alert-rules.example.yaml")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var file = Parse(File.ReadAllText(Path.Combine(directory.FullName, "deploy", "alert-rules.example.yaml")));

        Assert.Empty(file.Problems);
        Assert.Equal(17, file.Rules.Count);
        Assert.Contains(file.Rules, r => r.Condition is ThresholdCondition { Levels.Count: 2 });
        Assert.Contains(file.Rules, r => r.Condition is ThresholdCondition { Window: not null });
        Assert.Contains(file.Rules, r => r.Condition is StuckCondition);
        Assert.Contains(file.Rules, r => r.Condition is RateCondition);
        Assert.Contains(file.Rules, r => r.Condition is AqiCondition { Standard: AqiStandard.Hj633_2026, AboveLevel: 3 });
        Assert.Equal(6, file.Rules.Count(r => r.Condition is ProfileCondition));
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("2m", 120)]
    [InlineData("1h", 3600)]
    [InlineData("1d", 86400)]
    [InlineData("90m", 5400)]
    public void Durations_are_a_whole_number_and_one_unit(string text, int seconds)
    {
        Assert.True(Durations.TryParse(text, out var duration, out var error), error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("", "empty duration")]
    [InlineData("90", "has no unit")]
    [InlineData("1.5h", "not a whole number")]
    [InlineData("1h30m", "not a whole number")]
    [InlineData("-1m", "not a whole number")]
    [InlineData("0s", "is zero")]
    [InlineData("2w", "has unit 'w'")]
    [InlineData("10ms", "not a whole number")]
    [InlineData("m", "not a whole number")]
    [InlineData("99999999d", "too long")]
    public void Other_durations_are_refused_with_the_reason(string text, string reason)
    {
        Assert.False(Durations.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_duration_is_reported_on_its_line()
    {
        var problem = Single(Parse("""
            rules:
              - name: a
                metric: pm25
                above: 75
                for: 1.5h
                severity: warning
            """));

        Assert.Equal((5, 10), (problem.Line, problem.Column));
        Assert.Contains("for: duration '1.5h'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_is_reported_with_a_suggestion()
    {
        var problem = Single(Parse("""
            rules:
              - name: a
                metric: pm25
                above: 75
                severty: warning
            """).Problems.Where(p => p.Message.Contains("unknown key", StringComparison.Ordinal)) is var p ? new RulesFile([], [.. p]) : null!);

        Assert.Equal((5, 5), (problem.Line, problem.Column));
        Assert.Contains("did you mean 'severity'?", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_far_from_any_lists_the_keys()
    {
        var file = Parse("""
            rules:
              - name: a
                metric: pm25
                above: 75
                severity: warning
                colour: red
            """);

        var problem = Single(file);
        Assert.Equal(6, problem.Line);
        Assert.Contains("expected one of name, description", problem.Message, StringComparison.Ordinal);
        Assert.Empty(file.Rules);
    }

    [Fact]
    public void A_rule_without_a_name_is_reported_at_the_rule()
    {
        var problem = Single(Parse("""
            rules:
              - kind: air
                metric: pm25
                above: 75
                severity: warning
            """));

        Assert.Equal((2, 5), (problem.Line, problem.Column));
        Assert.Contains("needs a unique 'name'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_name_names_both_lines_and_the_first_rule_still_loads()
    {
        var file = Parse("""
            rules:
              - name: a
                deadman: 15m
                severity: warning
              - name: a
                deadman: 30m
                severity: critical
            """);

        var problem = Single(file);
        Assert.Equal((5, 11), (problem.Line, problem.Column));
        Assert.Contains("duplicate rule name 'a' (first defined on line 2)", problem.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(15), Assert.IsType<DeadmanCondition>(Assert.Single(file.Rules).Condition).Silence);
    }

    [Fact]
    public void An_unknown_kind_is_reported()
    {
        var problem = Single(Parse("""
            rules:
              - name: a
                kind: sky
                metric: pm25
                above: 75
                severity: warning
            """));

        Assert.Equal(3, problem.Line);
        Assert.Contains("unknown kind 'sky'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_metric_the_kind_does_not_have_is_reported_with_a_suggestion()
    {
        var problem = Single(Parse("""
            rules:
              - name: a
                kind: water
                metric: pm25
                above: 75
                severity: warning
              - name: b
                kind: air
                metric: pm2.5
                above: 75
                severity: warning
            """).Problems.Take(1) is var p ? new RulesFile([], [.. p]) : null!);

        Assert.Equal(4, problem.Line);
        Assert.Contains("unknown metric 'pm25' for kind water", problem.Message, StringComparison.Ordinal);

        var file = Parse("""
            rules:
              - name: b
                kind: air
                metric: pm2.5
                above: 75
                severity: warning
            """);
        Assert.Contains("did you mean 'pm25'?", Single(file).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_extensions_count()
    {
        const string yaml = """
            rules:
              - name: voc
                kind: air
                metric: voc
                above: 300
                severity: warning
            """;

        Assert.Equal(3, Single(Parse(yaml)).Line - 1);
        var extended = MetricCatalog.Default.With([new MetricDefinition(SensorKind.Air, "voc", "ppb", 0, 1000)]);
        var file = Parse(yaml, extended);
        Assert.Empty(file.Problems);
        Assert.Equal("voc", Assert.Single(file.Rules).Metric);
    }

    [Fact]
    public void A_metric_with_kind_star_is_checked_against_every_kind()
    {
        var file = Parse("""
            rules:
              - name: hot
                kind: "*"
                metric: temperature
                above: 45
                severity: info
              - name: bad
                kind: "*"
                metric: colour
                above: 1
                severity: info
            """);

        var problem = Single(file);
        Assert.Equal(9, problem.Line);
        Assert.Equal("hot", Assert.Single(file.Rules).Name);
    }

    [Fact]
    public void Above_and_below_together_is_an_error()
    {
        var problem = Single(Parse("""
            rules:
              - name: a
                metric: pm25
                above: 75
                below: 5
                severity: warning
            """));

        Assert.Equal(5, problem.Line);
        Assert.Contains("'above' and 'below' together", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_inverted_hysteresis_band_is_an_error()
    {
        var file = Parse("""
            rules:
              - name: a
                metric: pm25
                above: 75
                clear_below: 80
                severity: warning
              - name: b
                kind: water
                metric: do
                below: 3
                clear_above: 2
                severity: warning
              - name: c
                metric: pm25
                above: 75
                clear_above: 60
                severity: warning
            """);

        Assert.Equal([5, 11, 16], file.Problems.Select(p => p.Line));
        Assert.Contains("clear_below (80) must be below above (75): the hysteresis band is inverted", file.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("clear_above (2) must be above below (3)", file.Problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("an 'above' threshold clears with 'clear_below'", file.Problems[2].Message, StringComparison.Ordinal);
        Assert.Empty(file.Rules);
    }

    [Theory]
    [InlineData("[9, 6]", "lo < hi; got [9, 6]")]
    [InlineData("[6, 6]", "lo < hi")]
    [InlineData("[6]", "two numbers")]
    [InlineData("[6, x]", "two numbers")]
    [InlineData("6", "two numbers")]
    public void Outside_must_be_lo_hi(string value, string reason)
    {
        var problem = Single(Parse($"""
            rules:
              - name: a
                kind: water
                metric: ph
                outside: {value}
                severity: warning
            """));

        Assert.Equal((5, 14), (problem.Line, problem.Column));
        Assert.Contains(reason, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_takes_a_clear_band_inside_the_range()
    {
        var file = Parse("""
            rules:
              - name: a
                kind: water
                metric: ph
                outside: [6, 9]
                clear_above: 6.5
                clear_below: 8.5
                severity: warning
            """);

        Assert.Empty(file.Problems);
        var level = Assert.Single(Assert.IsType<ThresholdCondition>(Assert.Single(file.Rules).Condition).Levels);
        Assert.True(level.IsViolated(5.9));
        Assert.True(level.IsViolated(9.1));
        Assert.False(level.IsCleared(6.2));
        Assert.True(level.IsCleared(7));
    }

    [Fact]
    public void A_threshold_outside_the_plausible_range_is_an_error_and_a_clear_outside_a_warning()
    {
        var file = Parse("""
            rules:
              - name: co-unit-mistake
                kind: air
                metric: co
                above: 4000
                severity: warning
              - name: ph-clear
                kind: water
                metric: ph
                below: 6
                clear_above: 15
                severity: warning
            """);

        Assert.Equal(2, file.Problems.Count);
        Assert.Equal((ProblemSeverity.Error, 5), (file.Problems[0].Severity, file.Problems[0].Line));
        Assert.Contains("above 4000 is outside the plausible range 0–200 mg/m³ of air.co", file.Problems[0].Message, StringComparison.Ordinal);
        Assert.Equal((ProblemSeverity.Warning, 11), (file.Problems[1].Severity, file.Problems[1].Line));
        Assert.Equal("ph-clear", Assert.Single(file.Rules).Name);
        Assert.False(file.HasErrors && file.Problems.Count(p => p.IsError) != 1);
    }

    [Fact]
    public void An_unknown_severity_is_reported_with_a_suggestion()
    {
        var problem = Single(Parse("""
            rules:
              - name: a
                metric: pm25
                above: 75
                severity: warn
            """));

        Assert.Equal((5, 15), (problem.Line, problem.Column));
        Assert.Contains("unknown severity 'warn'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_severity_metric_and_condition_are_reported()
    {
        var file = Parse("""
            rules:
              - name: a
                metric: pm25
                above: 75
              - name: b
                above: 75
                severity: info
              - name: c
                metric: pm25
                severity: info
            """);

        Assert.Equal([2, 5, 8], file.Problems.Select(p => p.Line));
        Assert.Contains("needs a 'severity'", file.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("needs a 'metric'", file.Problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("has no condition", file.Problems[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_conditions_in_one_rule_are_an_error()
    {
        var problem = Single(Parse("""
            rules:
              - name: a
                metric: pm25
                above: 75
                deadman: 5m
                severity: info
            """));

        Assert.Equal(5, problem.Line);
        Assert.Contains("more than one condition (above, deadman)", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_AQI_standard_and_levels_are_reported()
    {
        var file = Parse("""
            rules:
              - name: a
                aqi: { standard: hj633-2020, above_level: 3 }
                severity: info
              - name: b
                aqi:
                  standard: epa-2024
                  above_level: 6
                severity: info
              - name: c
                aqi: { standard: hj633-2012, above_level: 0, basis: weekly }
                severity: info
              - name: d
                kind: water
                aqi: { standard: hj633-2012, above_level: 2 }
                severity: info
            """);

        Assert.Equal([(3, 22), (8, 20), (11, 47), (11, 57), (14, 11)], file.Problems.Select(p => (p.Line, p.Column)));
        Assert.Contains("unknown AQI standard 'hj633-2020'", file.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("level 6 is the highest AQI level", file.Problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("unknown AQI level 0", file.Problems[2].Message, StringComparison.Ordinal);
        Assert.Contains("unknown AQI basis 'weekly'", file.Problems[3].Message, StringComparison.Ordinal);
        Assert.Contains("the AQI is about air", file.Problems[4].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"site-[1-3\"", "is not closed")]
    [InlineData("\"site-[]\"", "empty character class")]
    [InlineData("\"site-[9-0]\"", "is reversed")]
    [InlineData("\"site-]\"", "has no '['")]
    [InlineData("'site-\\'", "ends with an escape")]
    [InlineData("\"\"", "empty")]
    public void Glob_syntax_errors_are_reported(string glob, string reason)
    {
        var problem = Single(Parse($"""
            rules:
              - name: a
                kind: air
                deadman: 5m
                device: {glob}
                severity: info
            """));

        Assert.Equal((5, 13), (problem.Line, problem.Column));
        Assert.Contains(reason, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("beijing-*", "beijing-01", true)]
    [InlineData("beijing-*", "shanghai-01", false)]
    [InlineData("probe-[0-9][0-9]", "probe-07", true)]
    [InlineData("probe-[0-9][0-9]", "probe-7", false)]
    [InlineData("probe-[!0-9]", "probe-x", true)]
    [InlineData("node-?", "node-a", true)]
    [InlineData("a.b", "axb", false)]
    [InlineData("a\\*", "a*", true)]
    [InlineData("a\\*", "ab", false)]
    public void Globs_match_whole_names(string pattern, string value, bool matches)
    {
        Assert.True(Glob.TryParse(pattern, out var glob, out var error), error);
        Assert.Equal(matches, glob.IsMatch(value));
    }

    [Fact]
    public void A_YAML_syntax_error_is_reported_with_its_line()
    {
        var file = Parse("""
            rules:
              - name: a
                metric: pm25
                above: [75
                severity: warning
            """);

        var problem = Single(file);
        Assert.Equal(5, problem.Line);
        Assert.StartsWith("YAML syntax error: ", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Idx:", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_key_is_reported_with_its_line()
    {
        var problem = Single(Parse("""
            rules:
              - name: a
                metric: pm25
                above: 75
                above: 80
                severity: warning
            """));

        Assert.Equal(5, problem.Line);
    }

    [Fact]
    public void Every_problem_is_listed_not_only_the_first()
    {
        var file = Parse("""
            rules:
              - name: a
                kind: sky
                metric: pm25
                above: 75
                for: 2x
                severity: warn
              - name: b
                metric: pm25
                above: 75
                below: 5
                severity: info
              - kind: air
                deadman: 5m
                severity: info
              - name: ok
                deadman: 5m
                severity: info
            """);

        Assert.Equal([3, 6, 7, 11, 13], file.Problems.Select(p => p.Line));
        Assert.True(file.HasErrors);
        Assert.Equal("ok", Assert.Single(file.Rules).Name);
    }

    [Fact]
    public void Levels_carry_several_severities()
    {
        var file = Parse("""
            rules:
              - name: pm25
                metric: pm25
                levels:
                  - { severity: critical, above: 150 }
                  - { severity: warning, above: 75, clear_below: 60 }
            """);

        Assert.Empty(file.Problems);
        var rule = Assert.Single(file.Rules);
        Assert.Equal(AlertSeverity.Critical, rule.Severity);
        var condition = Assert.IsType<ThresholdCondition>(rule.Condition);
        Assert.Equal([AlertSeverity.Warning, AlertSeverity.Critical], condition.Levels.Select(l => l.Severity));
        Assert.Equal(AlertSeverity.Critical, condition.Violated(200)?.Severity);
        Assert.Equal(AlertSeverity.Warning, condition.Violated(100)?.Severity);
        Assert.Null(condition.Violated(50));
    }

    [Fact]
    public void Level_problems_are_reported_on_their_lines()
    {
        var file = Parse("""
            rules:
              - name: a
                metric: pm25
                severity: info
                levels:
                  - { severity: warning, above: 75, clear_below: 90 }
                  - { severity: warning, above: 150 }
                  - { above: 200 }
                  - { severity: critical }
            """);

        Assert.Equal([(4, 5), (6, 54), (7, 21), (8, 9), (9, 9)], file.Problems.Select(p => (p.Line, p.Column)));
        Assert.Contains("each level has its own severity", file.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("hysteresis band is inverted", file.Problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("appears twice", file.Problems[2].Message, StringComparison.Ordinal);
        Assert.Contains("level without a 'severity'", file.Problems[3].Message, StringComparison.Ordinal);
        Assert.Contains("level without a threshold", file.Problems[4].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Levels_mixing_directions_are_an_error_and_inverted_severities_a_warning()
    {
        var file = Parse("""
            rules:
              - name: mixed
                metric: pm25
                levels:
                  - { severity: warning, above: 75 }
                  - { severity: critical, below: 5 }
              - name: inverted
                metric: pm25
                levels:
                  - { severity: warning, above: 150 }
                  - { severity: critical, above: 75 }
            """);

        Assert.Equal([(ProblemSeverity.Error, 4), (ProblemSeverity.Warning, 9)], file.Problems.Select(p => (p.Severity, p.Line)));
        Assert.Equal("inverted", Assert.Single(file.Rules).Name);
    }

    [Fact]
    public void Stuck_rate_and_window_forms_parse()
    {
        var file = Parse("""
            rules:
              - name: stuck-time
                metric: pm25
                stuck: { for: 2h }
                severity: info
              - name: stuck-count
                metric: pm25
                stuck: { readings: 30 }
                severity: info
              - name: rate
                kind: water
                metric: conductivity
                rate: { per: 1m, above: 500, below: -500 }
                severity: info
              - name: window
                metric: pm25
                window: { function: max, over: 1h }
                above: 300
                severity: info
            """);

        Assert.Empty(file.Problems);
        Assert.Equal(new StuckCondition(TimeSpan.FromHours(2), null, 0), file.Rules[0].Condition);
        Assert.Equal(new StuckCondition(null, 30, 0), file.Rules[1].Condition);
        Assert.Equal(new RateCondition(TimeSpan.FromMinutes(1), 500, -500), file.Rules[2].Condition);
        Assert.Equal(new WindowAggregate(AggregateFunction.Max, TimeSpan.FromHours(1), null, null), Assert.IsType<ThresholdCondition>(file.Rules[3].Condition).Window);
    }

    [Fact]
    public void Stuck_rate_and_window_problems_are_reported()
    {
        var file = Parse("""
            rules:
              - name: a
                metric: pm25
                stuck: { tolerance: 1 }
                severity: info
              - name: b
                metric: pm25
                rate: { above: 5 }
                severity: info
              - name: c
                metric: pm25
                window: { function: median, over: 24h, bucket: 5h, min_count: 30 }
                above: 50
                severity: info
              - name: d
                metric: pm25
                window: { function: mean, over: 24h, bucket: 1h, min_count: 25 }
                above: 50
                severity: info
              - name: e
                deadman: 5m
                window: { function: mean, over: 1h }
                for: 1m
                severity: info
            """);

        Assert.Equal(
            [(ProblemSeverity.Error, 4), (ProblemSeverity.Error, 8), (ProblemSeverity.Error, 12), (ProblemSeverity.Error, 12), (ProblemSeverity.Error, 17), (ProblemSeverity.Error, 22), (ProblemSeverity.Warning, 23)],
            file.Problems.Select(p => (p.Severity, p.Line)));
        Assert.Contains("needs 'for'", file.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("needs 'per'", file.Problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("unknown window function 'median'", file.Problems[2].Message, StringComparison.Ordinal);
        Assert.Contains("bucket 5h must divide", file.Problems[3].Message, StringComparison.Ordinal);
        Assert.Contains("min_count 25 is more than the 24 buckets", file.Problems[4].Message, StringComparison.Ordinal);
        Assert.Contains("does not apply to deadman", file.Problems[5].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_names_and_parameters_are_validated()
    {
        var file = Parse("""
            rules:
              - name: a
                profile: gb3095-2026-grade3
                severity: info
              - name: b
                profile: { name: gb3838-class3, target_class: VI }
                severity: info
              - name: c
                kind: air
                profile: gb15618-paddy
                severity: info
              - name: d
                profile: { name: who-2021, target: it-5, phase: final }
                severity: info
              - name: e
                profile: { name: gb3838-class3, target_class: II, waterbody: lake }
                severity: info
            """);

        Assert.Equal([(3, 14), (6, 51), (9, 11), (13, 40), (13, 46)], file.Problems.Select(p => (p.Line, p.Column)));
        Assert.Contains("did you mean 'gb3095-2026-grade2'", file.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("unknown water class 'VI'", file.Problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("profile gb15618-paddy is about soil", file.Problems[2].Message, StringComparison.Ordinal);
        Assert.Contains("unknown target 'it-5'", file.Problems[3].Message, StringComparison.Ordinal);
        Assert.Contains("unknown key 'phase' in profile", file.Problems[4].Message, StringComparison.Ordinal);
        var rule = Assert.Single(file.Rules);
        Assert.Equal(SensorKind.Water, rule.Kind);
        Assert.Equal(new ProfileCondition(AlertProfiles.Gb3838, new ProfileParameters(TargetClass: 2, Lake: true)), rule.Condition);
    }

    [Theory]
    [InlineData("gb3095-2026-grade2", null, 60, 120, 160)]
    [InlineData("gb3095-2026-grade2", "final", 50, 100, 160)]
    [InlineData("gb3095-2026-grade1", null, 35, 50, 100)]
    [InlineData("gb3095-2026-grade1", "final", 25, 50, 100)]
    public void GB3095_profiles_expand_into_rolling_window_rules(string profile, string? phase, double pm25Daily, double pm10Daily, double o38h)
    {
        var file = Parse($"""
            rules:
              - name: g
                site: "park-*"
                profile: {(phase is null ? profile : $"{{ name: {profile}, phase: {phase} }}")}
                for: 1h
                severity: warning
            """);
        Assert.Empty(file.Problems);

        Assert.True(AlertProfiles.TryExpand(Assert.Single(file.Rules), out var rules));

        Assert.Equal(10, rules.Count);
        Assert.All(rules, r => Assert.Equal(("park-*", TimeSpan.FromHours(1), SensorKind.Air), (r.Site.Pattern, r.For!.Value, r.Kind!.Value)));
        var pm25 = Assert.Single(rules, r => r.Name == "g/pm25-24h");
        var threshold = Assert.IsType<ThresholdCondition>(pm25.Condition);
        Assert.Equal(pm25Daily, Assert.Single(threshold.Levels).Value);
        Assert.Equal(new WindowAggregate(AggregateFunction.Mean, TimeSpan.FromHours(24), TimeSpan.FromHours(1), 20), threshold.Window);
        Assert.Equal(pm10Daily, Assert.IsType<ThresholdCondition>(Assert.Single(rules, r => r.Name == "g/pm10-24h").Condition).Levels[0].Value);
        var o3 = Assert.IsType<ThresholdCondition>(Assert.Single(rules, r => r.Name == "g/o3-8h").Condition);
        Assert.Equal(o38h, o3.Levels[0].Value);
        Assert.Equal(6, o3.Window!.MinCount);
    }

    [Fact]
    public void Only_profile_rules_expand()
    {
        var rule = Assert.Single(Parse("""
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: info
            """).Rules);

        Assert.False(AlertProfiles.TryExpand(rule, out var rules));
        Assert.Empty(rules);
    }

    [Fact]
    public void An_empty_file_or_list_is_a_warning_and_a_wrong_root_an_error()
    {
        Assert.Equal(ProblemSeverity.Warning, Single(Parse(string.Empty), ProblemSeverity.Warning).Severity);
        Assert.Equal(2, Single(Parse("# nothing\nrules: []\n"), ProblemSeverity.Warning).Line);
        var wrongKey = Parse("rule:\n  - name: a\n");
        Assert.Equal(["unknown key 'rule'; did you mean 'rules'?", "missing 'rules': the file must have a 'rules' list"], wrongKey.Problems.Select(p => p.Message));
        Assert.Contains("must be a list", Single(Parse("rules: 5\n")).Message, StringComparison.Ordinal);
    }
}
