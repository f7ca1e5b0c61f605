using EcoMonitor.FirmwareSim.Cli;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Scenarios;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Scenarios;

/// <summary>Scenario files: what a valid one describes, and every problem reported with its line.</summary>
public sealed class ScenarioParserTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> ShippedScenarios => new(Directory.GetFiles(ScenarioDirectory(), "*.yaml").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(ShippedScenarios))]
    public void The_shipped_scenarios_are_valid_and_make_valid_options(string file)
    {
        var result = ScenarioParser.ParseFile(Path.Combine(ScenarioDirectory(), file));
        Assert.Empty(result.Problems);
        Assert.True(result.IsValid);
        var options = result.Scenario!.ApplyTo(new FleetOptions(), Start);
        options.Validate();
        Assert.NotEmpty(NodeIdentity.Layout(options));
    }

    [Fact]
    public void The_episode_scenario_lays_out_its_sites_and_resolves_its_episodes_from_the_start()
    {
        var scenario = ScenarioParser.ParseFile(Path.Combine(ScenarioDirectory(), "episode.yaml")).Scenario!;
        var options = scenario.ApplyTo(new FleetOptions(), Start);

        Assert.Equal(7, options.Seed);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Interval);
        Assert.Equal(TimeSpan.FromMinutes(3), options.Duration);
        Assert.Equal(
            [new SiteLayout("city-centre", 4, 0, 1), new SiteLayout("river-north", 1, 3, 0), new SiteLayout("farm-east", 2, 2, 2)],
            options.Layout);
        Assert.Equal(15, options.NodeCount);
        Assert.Equal(["city-centre/air/air-01", "city-centre/air/air-04", "city-centre/soil/soil-01", "river-north/air/air-01"],
            NodeIdentity.Layout(options).Select(n => $"{n.Site}/{n.Kind}/{n.Device}").Where((_, i) => i is 0 or 3 or 4 or 5));

        var smog = options.Episodes[0];
        Assert.Equal(("city-centre", "air", "pm25", 180.0), (smog.Site, smog.Kind, smog.Metric, smog.Peak));
        Assert.Equal(Start.AddSeconds(30), smog.From);
        Assert.Equal(Start.AddSeconds(140), smog.To);
        Assert.Equal(TimeSpan.FromSeconds(20), smog.Ramp);
        Assert.Empty(smog.Devices);

        var dip = options.Episodes[1];
        Assert.Equal(("river-north", "water", "do", 3.5), (dip.Site, dip.Kind, dip.Metric, dip.Peak));
        Assert.Equal(["water-02"], dip.Devices);
        Assert.Equal(TimeSpan.FromSeconds(90) / 4, dip.Ramp);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var scenario = Valid("""
            name: all keys
            description: every key once
            seed: -3
            interval: 500ms
            duration: 1m30s
            qos: 0
            format: senml
            faults: { every: 12, kinds: [spike, stuck-value] }
            nodes_per_kind: { air: 3, water: 1 }
            sites: 4
            episodes:
              - { site: site-04, metric: temperature, kind: soil, from: 2026-11-28T09:00:00Z, to: 2026-11-28T10:00:00Z, peak: 30, ramp: 0s }
            load: { rate: 2500.5, devices: 300, readings_per_message: 12, connections: 3 }
            """);
        var options = scenario.ApplyTo(new FleetOptions(), Start);

        Assert.Equal((-3, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(90), 0), (options.Seed, options.Interval, options.Duration, options.Qos));
        Assert.Equal(PayloadFormat.Senml, options.Format);
        Assert.Equal(12, options.InvalidEvery);
        Assert.Equal([FaultKind.Spike, FaultKind.StuckValue], options.Faults);
        // A kind left out of a nodes_per_kind mapping keeps the default count (5).
        Assert.Equal(SiteLayout.Uniform(4, 3, 1, 5), options.Layout);
        var episode = Assert.Single(options.Episodes);
        Assert.Equal((new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero), TimeSpan.Zero), (episode.From, episode.Ramp));
        Assert.Equal(new ScenarioLoad(2500.5, 300, 12, 3), scenario.Load);
    }

    [Fact]
    public void A_plain_layout_stays_uniform_and_an_empty_scenario_changes_nothing()
    {
        var scenario = Valid("sites: 3\nnodes_per_kind: 2\n");
        var options = scenario.ApplyTo(new FleetOptions(), Start);
        Assert.Null(options.Layout);
        Assert.Equal((3, 2, 18), (options.Sites, options.NodesPerKind, options.NodeCount));

        var unchanged = Valid("name: nothing else\n").ApplyTo(new FleetOptions(), Start);
        var defaults = new FleetOptions();
        Assert.Equal(
            (defaults.Seed, defaults.Interval, defaults.Duration, defaults.Qos, defaults.Format, defaults.InvalidEvery, defaults.Sites, defaults.NodesPerKind),
            (unchanged.Seed, unchanged.Interval, unchanged.Duration, unchanged.Qos, unchanged.Format, unchanged.InvalidEvery, unchanged.Sites, unchanged.NodesPerKind));
        Assert.Null(unchanged.Layout);
        Assert.Empty(unchanged.Episodes);
    }

    [Theory]
    // YAML itself: syntax, duplicate keys, documents, shape.
    [InlineData("seed: 1\nsites: [site-01\n", 3, "YAML")]
    [InlineData("seed: 1\ninterval: 1s\nseed: 2\n", 3, "Duplicate key")]
    [InlineData("seed: 1\n---\nseed: 2\n", 3, "one YAML document")]
    [InlineData("- seed: 1\n", 1, "must be a mapping")]
    [InlineData("", 1, "empty")]
    // Keys and values.
    [InlineData("seed: 1\nsed: 7\n", 2, "did you mean 'seed'")]
    [InlineData("seed: seven\n", 1, "'seed' must be a whole number")]
    [InlineData("name: x\ninterval: fast\n", 2, "'interval' must be a duration")]
    [InlineData("interval: 1s\nduration: 0.5ms\n", 2, "'duration' must be between 1ms")]
    [InlineData("duration: 60d\n", 1, "and 49 days, not 60d")]
    [InlineData("qos: 2\n", 1, "'qos' must be 0 or 1")]
    [InlineData("\n\nformat: xml\n", 3, "unknown format 'xml'")]
    [InlineData("faults:\n  every: -1\n", 2, "'every' must be at least 0")]
    [InlineData("faults:\n  every: 5\n  kinds: [spike, lightning]\n", 3, "'lightning' is not a fault kind")]
    [InlineData("faults:\n  kinds: [spike]\n", 2, "'kinds' needs 'every: N'")]
    [InlineData("faults: 40\n", 1, "'faults' must be a mapping")]
    [InlineData("description: [a, b]\n", 1, "'description' must be a single value, not a list")]
    // Layout.
    [InlineData("sites: 0\n", 1, "'sites' must be at least 1")]
    [InlineData("sites: { a: 1 }\n", 1, "'sites' must be a number of sites or a list")]
    [InlineData("sites: []\n", 1, "lists no site")]
    [InlineData("sites:\n  - nodes: { air: 1 }\n", 2, "a site needs a 'name'")]
    [InlineData("sites:\n  - name: site/01\n", 2, "not a valid site id")]
    [InlineData("sites:\n  - name: a\n  - name: b\n  - name: a\n", 4, "site 'a' is listed twice (first on line 2)")]
    [InlineData("sites:\n  - name: a\n    nodes: { fire: 2 }\n", 3, "unknown key 'fire'")]
    [InlineData("sites:\n  - name: a\n    nodes: { air: -1 }\n", 3, "'air' must be at least 0")]
    [InlineData("sites:\n  - site-01\n", 2, "a site must be a mapping")]
    [InlineData("nodes_per_kind: 0\n", 1, "'nodes_per_kind' must be at least 1")]
    [InlineData("sites: 1000\nnodes_per_kind: 4\n", 1, "the fleet has 12000 nodes")]
    [InlineData("sites:\n  - name: a\n    nodes: { air: 0 }\n", 1, "the fleet has no nodes")]
    // Episodes.
    [InlineData("episodes: { site: site-01 }\n", 1, "'episodes' must be a list")]
    [InlineData("episodes:\n  - site: site-01\n    metric: pm25\n    from: 1s\n    to: 2s\n", 2, "an episode needs 'peak'")]
    [InlineData("episodes:\n  - { site: site-09, metric: pm25, from: 1s, to: 2s, peak: 80 }\n", 2, "no site 'site-09'")]
    [InlineData("episodes:\n  - site: site-01\n    metric: temperature\n    from: 1s\n    to: 2s\n    peak: 20\n", 3, "measured by air and water and soil nodes; say which with 'kind'")]
    [InlineData("episodes:\n  - site: site-01\n    kind: water\n    metric: pm25\n    from: 1s\n    to: 2s\n    peak: 20\n", 4, "no metric 'pm25' on water nodes")]
    [InlineData("episodes:\n  - site: site-01\n    kind: fire\n    metric: pm25\n    from: 1s\n    to: 2s\n    peak: 20\n", 3, "unknown kind 'fire'")]
    [InlineData("episodes:\n  - site: site-01\n    metric: pm25\n    devices: [air-01, air-06]\n    from: 1s\n    to: 2s\n    peak: 20\n", 4, "site 'site-01' has no air node 'air-06'; it has 5 (air-01 … air-05)")]
    [InlineData("episodes:\n  - site: site-01\n    metric: pm25\n    from: 2m\n    to: 1m\n    peak: 20\n", 5, "'to' (+00:01:00) must be after 'from' (+00:02:00)")]
    [InlineData("episodes:\n  - site: site-01\n    metric: pm25\n    from: 1m\n    to: 2m\n    ramp: 31s\n    peak: 20\n", 6, "at most half the episode")]
    [InlineData("episodes:\n  - site: site-01\n    metric: pm25\n    from: 1m\n    to: 2m\n    peak: 2000\n", 6, "outside the plausible range")]
    [InlineData("episodes:\n  - site: site-01\n    metric: pm25\n    from: noon\n    to: 2m\n    peak: 20\n", 4, "'from' must be a time after the start")]
    [InlineData("sites:\n  - name: a\n    nodes: { air: 2 }\nepisodes:\n  - { site: a, metric: do, from: 1s, to: 9s, peak: 3 }\n", 5, "site 'a' has no water node")]
    // Load.
    [InlineData("load:\n  rate: 0\n", 2, "'rate' (messages per second across the fleet) must be positive")]
    [InlineData("load:\n  readings_per_message: 20000\n", 2, "at most 10000")]
    [InlineData("load:\n  devices: 0\n", 2, "'devices' must be at least 1")]
    [InlineData("load:\n  rates: 10\n", 2, "did you mean 'rate'")]
    public void A_problem_names_its_line(string yaml, int line, string message)
    {
        var result = ScenarioParser.Parse(yaml);
        Assert.False(result.IsValid);
        Assert.Null(result.Scenario);
        Assert.Contains(result.Problems, p => p.Line == line && p.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_in_line_order_not_only_the_first()
    {
        var result = ScenarioParser.Parse("""
            seed: x
            qos: 3
            sites:
              - name: a
              - name: a
            episodes:
              - { site: b, metric: pm25, from: 1s, to: 2s, peak: 80 }
            """);
        Assert.Equal([1, 2, 5, 7], result.Problems.Select(p => p.Line));
        Assert.Equal("1:7: 'seed' must be a whole number, not 'x'", result.Problems[0].ToString());
    }

    [Fact]
    public void The_command_line_overrides_the_scenario_and_the_scenario_the_defaults()
    {
        var file = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "seed: 7\ninterval: 2s\nduration: 1m\nqos: 0\nformat: tts\nfaults: { every: 9 }\nsites:\n  - name: north\n    nodes: { air: 2 }\n");
        try
        {
            var parse = FleetCommand.Create(TimeProvider.System).Parse(["--scenario", file, "--seed", "9", "--format", "senml", "--port", "1999"]);
            Assert.Empty(parse.Errors);
            var commandLine = new FleetOptions { Seed = 9, Port = 1999, Format = PayloadFormat.Senml };
            var merged = ScenarioCommandLine.Apply(parse, commandLine, TimeProvider.System, TextWriter.Null)!;
            Assert.Equal((9, 1999, PayloadFormat.Senml), (merged.Seed, merged.Port, merged.Format));
            Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1), 0, 9), (merged.Interval, merged.Duration, merged.Qos, merged.InvalidEvery));
            Assert.Equal([new SiteLayout("north", 2, 0, 0)], merged.Layout);

            // The load subcommand has options of the same names: its own count, not the fleet command's defaults.
            parse = FleetCommand.Create(TimeProvider.System).Parse(["load", "--scenario", file, "--seed", "11"]);
            Assert.Empty(parse.Errors);
            merged = ScenarioCommandLine.Apply(parse, new FleetOptions { Seed = 11 }, TimeProvider.System, TextWriter.Null)!;
            Assert.Equal((11, TimeSpan.FromMinutes(1)), (merged.Seed, merged.Duration));
            Assert.True(ScenarioCommandLine.IsGiven(parse, "--seed"));
            Assert.False(ScenarioCommandLine.IsGiven(parse, "--duration"));

            // --sites or --nodes-per-kind replace the file's per-site list by the uniform layout.
            parse = FleetCommand.Create(TimeProvider.System).Parse(["--scenario", file, "--sites", "3"]);
            merged = ScenarioCommandLine.Apply(parse, new FleetOptions { Sites = 3 }, TimeProvider.System, TextWriter.Null)!;
            Assert.Null(merged.Layout);
            Assert.Equal(45, merged.NodeCount);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_bad_scenario_is_reported_with_file_line_and_column_and_stops_the_run()
    {
        var file = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "seed: 1\nqos: 5\n");
        try
        {
            var parse = FleetCommand.Create(TimeProvider.System).Parse(["--scenario", file]);
            using var error = new StringWriter();
            Assert.Null(ScenarioCommandLine.Apply(parse, new FleetOptions(), TimeProvider.System, error));
            Assert.Contains($"error: {file}:2:6: 'qos' must be 0 or 1", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("1 problem in scenario", error.ToString(), StringComparison.Ordinal);

            using var missing = new StringWriter();
            parse = FleetCommand.Create(TimeProvider.System).Parse(["--scenario", file + ".absent"]);
            Assert.Null(ScenarioCommandLine.Apply(parse, new FleetOptions(), TimeProvider.System, missing));
            Assert.Contains("cannot read scenario", missing.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_bad_scenario_exits_with_the_usage_error_code()
    {
        var file = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "sites: 0\n", TestContext.Current.CancellationToken);
        try
        {
            var parse = FleetCommand.Create(TimeProvider.System).Parse(["load", "--scenario", file, "--port", "1"]);
            var configuration = new System.CommandLine.InvocationConfiguration { Error = new StringWriter(), Output = new StringWriter() };
            Assert.Equal(FleetCommand.UsageError, await parse.InvokeAsync(configuration, TestContext.Current.CancellationToken));
            Assert.Contains(":1:8: 'sites' must be at least 1", configuration.Error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static FleetScenario Valid(string yaml)
    {
        var result = ScenarioParser.Parse(yaml);
        Assert.Empty(result.Problems);
        return result.Scenario!;
    }

    private static string ScenarioDirectory() => SourceTree.Find("firmware-sim", "scenarios");
}
