using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using EcoMonitor.FirmwareSim.Firmware;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Load;
using EcoMonitor.FirmwareSim.Scenarios;

namespace EcoMonitor.FirmwareSim.Cli;

/// <summary>
/// The <c>--scenario</c> option and the <c>load</c> subcommand (the load generator for the benchmark).
/// In load mode stdout has exactly one line, <see cref="LoadSummary.ToSummaryLine"/>; progress,
/// warnings and the closing figures go to stderr.
/// </summary>
internal static partial class FleetCommand
{
    /// <summary>Adds <c>--scenario</c> to the fleet command and the <c>load</c> subcommand beside it.</summary>
    private static void AddScenarioAndLoad(RootCommand root, TimeProvider timeProvider)
    {
        root.Options.Add(ScenarioCommandLine.CreateOption());
        root.Subcommands.Add(CreateLoadCommand(timeProvider));
    }

    /// <summary>The fleet's options with the scenario merged in, or null after reporting its problems.</summary>
    private static FleetOptions? WithScenario(ParseResult parseResult, FleetOptions commandLine, TimeProvider timeProvider) =>
        ScenarioCommandLine.Apply(parseResult, commandLine, timeProvider, parseResult.InvocationConfiguration.Error);

    private static Command CreateLoadCommand(TimeProvider timeProvider)
    {
        var fleetDefaults = new FleetOptions();
        var defaults = new LoadOptions();
        var host = new Option<string>("--host") { Description = "MQTT broker host", DefaultValueFactory = _ => fleetDefaults.Host };
        var port = new Option<int>("--port") { Description = "MQTT broker port", DefaultValueFactory = _ => fleetDefaults.Port };
        var rate = new Option<double>("--rate") { Description = "Messages per second across the fleet", DefaultValueFactory = _ => defaults.Rate };
        var devices = new Option<int?>("--devices") { Description = "Devices the messages are spread over (round robin over sites and kinds); default: the fleet layout" };
        var duration = DurationOption("--duration", "How long to publish", fleetDefaults.Duration);
        var readings = new Option<int?>("--readings-per-message") { Description = "Readings per message (more than a kind's metrics: a native array of records); default: all of the device's metrics" };
        var connections = new Option<int>("--connections") { Description = "MQTT connections the devices share", DefaultValueFactory = _ => defaults.Connections };
        var maxInflight = new Option<int>("--max-inflight") { Description = "Publishes in flight per connection (capped by the broker's Receive Maximum at QoS 1)", DefaultValueFactory = _ => defaults.MaxInflight };
        var burstWindow = DurationOption("--burst-window", "Catch-up window: no burst is larger than the messages due in it", defaults.BurstWindow);
        var qos = new Option<int>("--qos") { Description = "QoS of data messages: 0 or 1", DefaultValueFactory = _ => fleetDefaults.Qos };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulated signals", DefaultValueFactory = _ => fleetDefaults.Seed };
        var sites = new Option<int>("--sites") { Description = "Number of sites (site-01, site-02, ...)", DefaultValueFactory = _ => fleetDefaults.Sites };
        var nodesPerKind = new Option<int>("--nodes-per-kind") { Description = "Nodes per site and per kind, when --devices is not given", DefaultValueFactory = _ => fleetDefaults.NodesPerKind };
        var summaryFile = new Option<string?>("--summary-file") { Description = "Also write the summary as JSON to this file" };
        var clientIdPrefix = new Option<string>("--client-id-prefix") { Description = "Connection client ids are {prefix}-load-01, -02, ...", DefaultValueFactory = _ => fleetDefaults.ClientIdPrefix };
        var scenario = ScenarioCommandLine.CreateOption();

        RequireAtLeast(port, 1);
        RequireAtLeast(connections, 1);
        RequireAtLeast(maxInflight, 1);
        RequireAtLeast(sites, 1);
        RequireAtLeast(nodesPerKind, 1);
        rate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not (> 0 and <= LoadOptions.MaxRate))
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"--rate must be above 0 and at most {LoadOptions.MaxRate:0}."));
            }
        });
        qos.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is not (0 or 1))
            {
                result.AddError("--qos must be 0 or 1.");
            }
        });

        var command = new Command("load", "Load generator for the benchmark: a steady --rate of messages spread over many devices' topics on a few connections; reports the achieved rate and publish latency.")
        {
            host, port, rate, devices, duration, readings, connections, maxInflight, burstWindow, qos, seed, sites, nodesPerKind, summaryFile, clientIdPrefix, scenario,
        };
        var credentials = AddCredentialOptions(command);

        command.SetAction((parseResult, ct) =>
        {
            var console = parseResult.InvocationConfiguration;
            if (!credentials.TryResolve(parseResult, console.Error, out var login))
            {
                return Task.FromResult(UsageError);
            }

            var fleet = ScenarioCommandLine.Apply(
                parseResult,
                new FleetOptions
                {
                    Host = parseResult.GetRequiredValue(host),
                    Port = parseResult.GetValue(port),
                    Duration = parseResult.GetValue(duration),
                    Qos = parseResult.GetValue(qos),
                    Seed = parseResult.GetValue(seed),
                    Sites = parseResult.GetValue(sites),
                    NodesPerKind = parseResult.GetValue(nodesPerKind),
                    SummaryFile = parseResult.GetValue(summaryFile),
                    ClientIdPrefix = parseResult.GetRequiredValue(clientIdPrefix),
                    Credentials = login,
                },
                timeProvider,
                console.Error,
                out var fromFile);
            if (fleet is null)
            {
                return Task.FromResult(UsageError);
            }

            bool Given(Option option) => parseResult.GetResult(option) is OptionResult { Implicit: false };
            var load = fromFile?.Load;
            var options = new LoadOptions
            {
                Fleet = fleet,
                Rate = Given(rate) ? parseResult.GetValue(rate) : load?.Rate ?? defaults.Rate,
                Devices = Given(devices) ? parseResult.GetValue(devices) : load?.Devices,
                ReadingsPerMessage = Given(readings) ? parseResult.GetValue(readings) : load?.ReadingsPerMessage,
                Connections = Given(connections) ? parseResult.GetValue(connections) : load?.Connections ?? defaults.Connections,
                MaxInflight = parseResult.GetValue(maxInflight),
                BurstWindow = parseResult.GetValue(burstWindow),
            };
            return RunLoadAsync(options, timeProvider, console, ct);
        });
        return command;
    }

    private static async Task<int> RunLoadAsync(LoadOptions options, TimeProvider timeProvider, InvocationConfiguration console, CancellationToken ct)
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

        if (options.Fleet.Format != PayloadFormat.Native)
        {
            await console.Error.WriteLineAsync($"warning: load mode sends native payloads; format {PayloadFormatNames.Name(options.Fleet.Format)} is ignored");
        }

        ILoadProgress progress = LiveLoadProgress.CanShowOn(console.Error)
            ? new LiveLoadProgress(console.Error, timeProvider)
            : new PlainLoadProgress(console.Error, timeProvider, FleetSimulator.ProgressPeriod);
        LoadSummary summary;
        try
        {
            summary = await new LoadGenerator(timeProvider, console.Error).RunAsync(options, progress, ct);
        }
        catch (FleetConnectionException ex)
        {
            await console.Error.WriteLineAsync($"error: {ex.Message}");
            return ConnectionFailure;
        }

        var latency = summary.Latency;
        await console.Error.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"rate requested={summary.RequestedRate:0.##}/s achieved={summary.AchievedRate:0.#}/s ({summary.RateRatio:P1}) per_second_min={summary.PerSecondMin} per_second_max={summary.PerSecondMax} planned={summary.Planned} sent={summary.Sent} elapsed={summary.ElapsedSeconds}s"));
        await console.Error.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"latency ({(summary.Qos == 1 ? "scheduled send to PUBACK" : "scheduled send to socket write")}) p50={latency.P50Ms:0.###}ms p95={latency.P95Ms:0.###}ms p99={latency.P99Ms:0.###}ms max={latency.MaxMs:0.###}ms mean={latency.MeanMs:0.###}ms"));
        var lag = summary.DispatchLag;
        await console.Error.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"dispatch lag (scheduled send to publish call, the generator's share) p50={lag.P50Ms:0.###}ms p95={lag.P95Ms:0.###}ms p99={lag.P99Ms:0.###}ms max={lag.MaxMs:0.###}ms"));
        await console.Output.WriteLineAsync(summary.ToSummaryLine());
        if (summary.RateRatio < 0.95)
        {
            await console.Error.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"warning: achieved {summary.AchievedRate:0.#}/s is {1 - summary.RateRatio:P1} below the requested {summary.RequestedRate:0.##}/s"));
        }

        if (summary.Failed > 0)
        {
            await console.Error.WriteLineAsync($"error: {summary.Failed} messages were not accepted by the broker {options.Fleet.Host}:{options.Fleet.Port}");
            return ConnectionFailure;
        }

        return ct.IsCancellationRequested ? Interrupted : Success;
    }
}
