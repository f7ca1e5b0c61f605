using System.CommandLine;
using System.CommandLine.Parsing;
using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Scenarios;

/// <summary>
/// <c>--scenario FILE</c>: reads the file and merges it with the command line. An option given on
/// the command line wins over the file; the file wins over the defaults.
/// </summary>
internal static class ScenarioCommandLine
{
    public const string OptionName = "--scenario";

    public static Option<string?> CreateOption() => new(OptionName)
    {
        Description = "YAML scenario: sites, nodes per kind, interval, seed, duration, faults, episodes (see firmware-sim/scenarios); options given on the command line override it",
        HelpName = "file.yaml",
    };

    /// <summary>
    /// The options to run with, or null when the scenario cannot be read (the problems, with their
    /// line and column, are on <paramref name="error"/>; the caller exits with a usage error).
    /// Relative episode times count from now.
    /// </summary>
    public static FleetOptions? Apply(ParseResult parseResult, FleetOptions commandLine, TimeProvider timeProvider, TextWriter error) =>
        Apply(parseResult, commandLine, timeProvider, error, out _);

    public static FleetOptions? Apply(ParseResult parseResult, FleetOptions commandLine, TimeProvider timeProvider, TextWriter error, out FleetScenario? scenario)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(error);
        scenario = null;
        if (GivenResult(parseResult, OptionName) is not { } result
            || result.GetValueOrDefault<string?>() is not { Length: > 0 } path)
        {
            return commandLine;
        }

        ScenarioParseResult parsed;
        try
        {
            parsed = ScenarioParser.ParseFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot read scenario {path}: {ex.Message}");
            return null;
        }

        if (!parsed.IsValid)
        {
            foreach (var problem in parsed.Problems)
            {
                error.WriteLine($"error: {path}:{problem}");
            }

            error.WriteLine($"error: {parsed.Problems.Count} problem{(parsed.Problems.Count == 1 ? string.Empty : "s")} in scenario {path}");
            return null;
        }

        scenario = parsed.Scenario!;
        var merged = Merge(parseResult, commandLine, scenario, timeProvider.GetUtcNow());
        WarnAboutEpisodesWithoutNodes(merged, error);
        return merged;
    }

    /// <summary>The scenario over the defaults, then every option given on the command line over that.</summary>
    public static FleetOptions Merge(ParseResult parseResult, FleetOptions commandLine, FleetScenario scenario, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(scenario);
        bool Given(string name) => IsGiven(parseResult, name);

        var merged = scenario.ApplyTo(commandLine, start);
        merged = merged with
        {
            Seed = Given("--seed") ? commandLine.Seed : merged.Seed,
            Interval = Given("--interval") ? commandLine.Interval : merged.Interval,
            Duration = Given("--duration") ? commandLine.Duration : merged.Duration,
            Qos = Given("--qos") ? commandLine.Qos : merged.Qos,
            InvalidEvery = Given("--invalid-every") ? commandLine.InvalidEvery : merged.InvalidEvery,
            Format = Given("--format") ? commandLine.Format : merged.Format,
            Faults = Given("--faults") ? commandLine.Faults : merged.Faults,
        };

        if (Given("--sites") || Given("--nodes-per-kind"))
        {
            // The command line asks for the uniform layout: the file's per-site list no longer applies.
            merged = merged with
            {
                Layout = null,
                Sites = Given("--sites") ? commandLine.Sites : scenario.Sites ?? commandLine.Sites,
                NodesPerKind = Given("--nodes-per-kind") ? commandLine.NodesPerKind : scenario.NodesPerKind ?? commandLine.NodesPerKind,
            };
        }

        return merged;
    }

    /// <summary>
    /// True when the option <paramref name="name"/> was typed on the command line (not a default) for the
    /// command being run: the fleet command and the <c>load</c> subcommand have options of the same names.
    /// </summary>
    public static bool IsGiven(ParseResult parseResult, string name) => GivenResult(parseResult, name) is not null;

    private static OptionResult? GivenResult(ParseResult parseResult, string name)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        for (var command = parseResult.CommandResult; command is not null; command = command.Parent as CommandResult)
        {
            foreach (var child in command.Children)
            {
                if (child is OptionResult { Implicit: false } option
                    && (option.Option.Name == name || option.Option.Aliases.Contains(name)))
                {
                    return option;
                }
            }
        }

        return null;
    }

    /// <summary>An episode can lose its nodes when the command line changes the layout: say so rather than ignore it silently.</summary>
    private static void WarnAboutEpisodesWithoutNodes(FleetOptions options, TextWriter error)
    {
        if (options.Episodes.Count == 0)
        {
            return;
        }

        IReadOnlyList<NodeIdentity> nodes;
        try
        {
            options.Validate();
            nodes = NodeIdentity.Layout(options);
        }
        catch (ArgumentException)
        {
            return; // Reported by the caller's validation.
        }

        foreach (var episode in options.Episodes)
        {
            if (!nodes.Any(node => episode.Affects(node.Site, node.Kind, node.Device, episode.Metric)))
            {
                error.WriteLine($"warning: the {episode.Kind} {episode.Metric} episode at {episode.Site} matches no node of this fleet");
            }
        }
    }
}
