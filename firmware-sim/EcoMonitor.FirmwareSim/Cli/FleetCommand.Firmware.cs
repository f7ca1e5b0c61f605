using System.CommandLine;
using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Cli;

/// <summary>The firmware-behaviour options (session, clock, outages, buffer, resends); see FleetOptions.Firmware.cs.</summary>
internal static partial class FleetCommand
{
    /// <summary>Adds the options to <paramref name="root"/>; the result copies their values onto a <see cref="FleetOptions"/>.</summary>
    private static FirmwareOptions AddFirmwareOptions(RootCommand root)
    {
        var defaults = new FleetOptions();
        var firmware = new FirmwareOptions(
            new Option<string>("--protocol")
            {
                Description = "MQTT version of the nodes: 3.1.1 or 5",
                HelpName = "3.1.1|5",
                DefaultValueFactory = _ => defaults.Protocol == MqttProtocol.Mqtt311 ? "3.1.1" : "5",
            },
            new Option<bool>("--clean-session")
            {
                Description = "Start each connection with a clean session; by default nodes resume theirs, as firmware does",
                DefaultValueFactory = _ => defaults.CleanSession,
            },
            DurationOption("--session-expiry", "MQTT 5 session expiry of a persistent session", defaults.SessionExpiry),
            new Option<int>("--clock-drift-ppm")
            {
                Description = $"Node clocks run fast or slow by up to N ppm and start off by up to N x 86.4 ms, per node from the seed (0 to {FleetOptions.MaxClockDriftPpm})",
                DefaultValueFactory = _ => defaults.ClockDriftPpm,
            },
            OptionalDurationOption("--offline-every", "Nodes lose the network once per this period, each at its own phase (with --offline-for)"),
            OptionalDurationOption("--offline-for", "How long each outage lasts (shorter than --offline-every)"),
            new Option<double>("--offline-probability")
            {
                Description = "Share of nodes that have outages, drawn per node from the seed (0 to 1)",
                DefaultValueFactory = _ => defaults.OfflineProbability,
            },
            new Option<int>("--buffer-capacity")
            {
                Description = "Messages a node keeps while offline; when full the oldest is dropped and counted (0 = none)",
                DefaultValueFactory = _ => defaults.BufferCapacity,
            },
            new Option<int>("--replay-batch")
            {
                Description = $"Buffered messages per replay message, a JSON array of readings objects (1 to {FleetOptions.MaxReplayBatchSize})",
                DefaultValueFactory = _ => defaults.ReplayBatchSize,
            },
            new Option<int>("--duplicate-every")
            {
                Description = "Send every Nth message of the fleet twice (same seq); 0 = never",
                DefaultValueFactory = _ => defaults.DuplicateEvery,
            });

        firmware.Protocol.Validators.Add(result =>
        {
            if (ProtocolOf(result.GetValueOrDefault<string>()) is null)
            {
                result.AddError($"'{result.GetValueOrDefault<string>()}' is not a supported MQTT version; use 3.1.1 or 5.");
            }
        });
        RequireAtLeast(firmware.ClockDriftPpm, 0);
        RequireAtMost(firmware.ClockDriftPpm, FleetOptions.MaxClockDriftPpm);
        RequireAtLeast(firmware.BufferCapacity, 0);
        RequireAtLeast(firmware.ReplayBatch, 1);
        RequireAtMost(firmware.ReplayBatch, FleetOptions.MaxReplayBatchSize);
        RequireAtLeast(firmware.DuplicateEvery, 0);
        firmware.OfflineProbability.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not (>= 0 and <= 1))
            {
                result.AddError("--offline-probability must be between 0 and 1.");
            }
        });
        root.Validators.Add(result =>
        {
            var every = result.GetValue(firmware.OfflineEvery);
            var length = result.GetValue(firmware.OfflineFor);
            if (every.HasValue != length.HasValue)
            {
                result.AddError("--offline-every and --offline-for go together.");
            }
            else if (every is { } e && length is { } l && l >= e)
            {
                result.AddError("--offline-for must be shorter than --offline-every.");
            }
        });

        foreach (var option in firmware.All)
        {
            root.Options.Add(option);
        }

        return firmware;
    }

    private static MqttProtocol? ProtocolOf(string? text) => text switch
    {
        "3.1.1" or "311" => MqttProtocol.Mqtt311,
        "5" or "5.0" => MqttProtocol.Mqtt5,
        _ => null,
    };

    private static Option<TimeSpan?> OptionalDurationOption(string name, string description) => new(name)
    {
        Description = description + " (500ms, 30s, 2m, 1h, 00:00:30)",
        HelpName = "duration",
        CustomParser = result => ParseDuration(result),
    };

    private static void RequireAtMost(Option<int> option, int maximum) =>
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() > maximum)
            {
                result.AddError($"{option.Name} must be at most {maximum}.");
            }
        });

    private sealed record FirmwareOptions(
        Option<string> Protocol,
        Option<bool> CleanSession,
        Option<TimeSpan> SessionExpiry,
        Option<int> ClockDriftPpm,
        Option<TimeSpan?> OfflineEvery,
        Option<TimeSpan?> OfflineFor,
        Option<double> OfflineProbability,
        Option<int> BufferCapacity,
        Option<int> ReplayBatch,
        Option<int> DuplicateEvery)
    {
        public IEnumerable<Option> All =>
            [Protocol, CleanSession, SessionExpiry, ClockDriftPpm, OfflineEvery, OfflineFor, OfflineProbability, BufferCapacity, ReplayBatch, DuplicateEvery];

        public FleetOptions ApplyTo(FleetOptions options, ParseResult parseResult) => options with
        {
            Protocol = ProtocolOf(parseResult.GetValue(Protocol)) ?? throw new InvalidOperationException("--protocol was validated."),
            CleanSession = parseResult.GetValue(CleanSession),
            SessionExpiry = parseResult.GetValue(SessionExpiry),
            ClockDriftPpm = parseResult.GetValue(ClockDriftPpm),
            OfflineEvery = parseResult.GetValue(OfflineEvery),
            OfflineFor = parseResult.GetValue(OfflineFor),
            OfflineProbability = parseResult.GetValue(OfflineProbability),
            BufferCapacity = parseResult.GetValue(BufferCapacity),
            ReplayBatchSize = parseResult.GetValue(ReplayBatch),
            DuplicateEvery = parseResult.GetValue(DuplicateEvery),
        };
    }
}
