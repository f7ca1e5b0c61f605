using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using EcoMonitor.FirmwareSim.Firmware;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Scenarios;

namespace EcoMonitor.FirmwareSim.Cli;

/// <summary>The command line: maps options onto <see cref="FleetOptions"/> and results onto exit codes.</summary>
internal static partial class FleetCommand
{
    public const int Success = 0;

    /// <summary>The broker could not be reached, or lost messages during the run.</summary>
    public const int ConnectionFailure = 1;

    /// <summary>Stopped early by Ctrl+C / SIGTERM; the summary still covers what was published. 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;

    /// <summary>The command line itself is wrong; kept apart from 1 so scripts can tell a typo from a broker outage.</summary>
    public const int UsageError = 2;

    /// <summary>Parses and runs; a usage error lists the problems on stderr without the full help text.</summary>
    public static async Task<int> InvokeAsync(string[] args, TimeProvider timeProvider)
    {
        var parseResult = Create(timeProvider).Parse(args);
        if (parseResult.Errors.Count == 0)
        {
            return await parseResult.InvokeAsync();
        }

        foreach (var error in parseResult.Errors)
        {
            await Console.Error.WriteLineAsync($"error: {error.Message}");
        }

        await Console.Error.WriteLineAsync("Try --help for usage.");
        return UsageError;
    }

    public static RootCommand Create(TimeProvider timeProvider)
    {
        var defaults = new FleetOptions();
        var host = new Option<string>("--host") { Description = "MQTT broker host", DefaultValueFactory = _ => defaults.Host };
        var port = new Option<int>("--port") { Description = "MQTT broker port", DefaultValueFactory = _ => defaults.Port };
        var sites = new Option<int>("--sites") { Description = "Number of sites (site-01, site-02, ...)", DefaultValueFactory = _ => defaults.Sites };
        var nodesPerKind = new Option<int>("--nodes-per-kind") { Description = "Nodes per site and per kind (air, water, soil)", DefaultValueFactory = _ => defaults.NodesPerKind };
        var interval = DurationOption("--interval", "Time between two messages of a node", defaults.Interval);
        var duration = DurationOption("--duration", "How long to publish", defaults.Duration);
        var seed = new Option<int>("--seed") { Description = "Seed of the simulated signals", DefaultValueFactory = _ => defaults.Seed };
        var qos = new Option<int>("--qos") { Description = "QoS of data messages: 0 or 1", DefaultValueFactory = _ => defaults.Qos };
        var invalidEvery = new Option<int>("--invalid-every") { Description = "Make every Nth message of the fleet deliberately bad; 0 = never", DefaultValueFactory = _ => defaults.InvalidEvery };
        var summaryFile = new Option<string?>("--summary-file") { Description = "Also write the summary as JSON to this file" };
        var clientIdPrefix = new Option<string>("--client-id-prefix") { Description = "Client ids are {prefix}-{site}-{device}", DefaultValueFactory = _ => defaults.ClientIdPrefix };

        RequireAtLeast(port, 1);
        port.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() > 65535)
            {
                result.AddError("--port must be at most 65535.");
            }
        });
        RequireAtLeast(sites, 1);
        RequireAtLeast(nodesPerKind, 1);
        RequireAtLeast(invalidEvery, 0);
        qos.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is not (0 or 1))
            {
                result.AddError("--qos must be 0 or 1.");
            }
        });

        var root = new RootCommand("Simulates a fleet of EcoMonitor sensor nodes (air, water, soil) publishing native payloads over MQTT.")
        {
            host, port, sites, nodesPerKind, interval, duration, seed, qos, invalidEvery, summaryFile, clientIdPrefix,
        };
        var credentials = AddCredentialOptions(root);
        var firmware = AddFirmwareOptions(root);
        var payload = AddPayloadOptions(root, invalidEvery);
        AddScenarioAndLoad(root, timeProvider);

        root.SetAction((parseResult, ct) =>
        {
            if (!credentials.TryResolve(parseResult, parseResult.InvocationConfiguration.Error, out var login))
            {
                return Task.FromResult(UsageError);
            }

            var options = new FleetOptions
            {
                Host = parseResult.GetRequiredValue(host),
                Port = parseResult.GetValue(port),
                Sites = parseResult.GetValue(sites),
                NodesPerKind = parseResult.GetValue(nodesPerKind),
                Interval = parseResult.GetValue(interval),
                Duration = parseResult.GetValue(duration),
                Seed = parseResult.GetValue(seed),
                Qos = parseResult.GetValue(qos),
                InvalidEvery = parseResult.GetValue(invalidEvery),
                SummaryFile = parseResult.GetValue(summaryFile),
                ClientIdPrefix = parseResult.GetRequiredValue(clientIdPrefix),
                Credentials = login,
            };
            // A --scenario file fills in what the command line left at its defaults (FleetCommand.Load.cs).
            var merged = WithScenario(parseResult, payload.ApplyTo(firmware.ApplyTo(options, parseResult), parseResult), timeProvider);
            return merged is null ? Task.FromResult(UsageError) : RunAsync(merged, timeProvider, parseResult.InvocationConfiguration, ct);
        });
        return root;
    }

    private static async Task<int> RunAsync(FleetOptions options, TimeProvider timeProvider, InvocationConfiguration console, CancellationToken ct)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            await console.Error.WriteLineAsync($"error: {ex.Message}");
            return UsageError;
        }

        FleetSummary summary;
        try
        {
            summary = await new FleetSimulator(timeProvider, console.Error).RunAsync(options, ct);
        }
        catch (FleetConnectionException ex)
        {
            await console.Error.WriteLineAsync($"error: {ex.Message}");
            return ConnectionFailure;
        }

        await console.Error.WriteLineAsync(summary.Faults.ToSummaryLine() + string.Create(
            CultureInfo.InvariantCulture,
            $" failed_messages={summary.FailedMessages} elapsed={summary.ElapsedSeconds}s"));
        await console.Output.WriteLineAsync(summary.ToSummaryLine());
        if (summary.FailedMessages > 0)
        {
            await console.Error.WriteLineAsync($"error: {summary.FailedMessages} messages were not accepted by the broker {options.Host}:{options.Port}");
            return ConnectionFailure;
        }

        return ct.IsCancellationRequested ? Interrupted : Success;
    }

    private static Option<TimeSpan> DurationOption(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = description + " (500ms, 30s, 2m, 1h, 00:00:30)",
        HelpName = "duration",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = ParseDuration,
    };

    private static TimeSpan ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
        if (!DurationParser.TryParse(text, out var value) || value <= TimeSpan.Zero)
        {
            result.AddError($"'{text}' is not a positive duration; use e.g. 500ms, 30s, 2m, 1h or 00:00:30.");
        }

        return value;
    }

    private static void RequireAtLeast(Option<int> option, int minimum) =>
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < minimum)
            {
                result.AddError($"{option.Name} must be at least {minimum}.");
            }
        });
}
