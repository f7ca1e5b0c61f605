namespace EcoMonitor.FirmwareSim.Fleet;

/// <summary>What fleet to simulate and where to send it. Defaults match the CLI defaults.</summary>
public sealed partial record FleetOptions
{
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 1883;

    /// <summary>Number of sites, named <c>site-01</c>, <c>site-02</c>, ...</summary>
    public int Sites { get; init; } = 2;

    /// <summary>Nodes per site and per kind, named <c>air-01</c>, <c>water-01</c>, <c>soil-01</c>, ...</summary>
    public int NodesPerKind { get; init; } = 5;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    public int Seed { get; init; } = 1;

    /// <summary>0 or 1. QoS 2 is left out on purpose: the service contract is at-least-once (docs/architecture.md#delivery-guarantees).</summary>
    public int Qos { get; init; } = 1;

    /// <summary>Every Nth message of the fleet is a deliberately bad one; 0 = never.</summary>
    public int InvalidEvery { get; init; }

    /// <summary>When set, the <c>FleetSummary</c> is written there as JSON.</summary>
    public string? SummaryFile { get; init; }

    public string ClientIdPrefix { get; init; } = "sim";

    /// <summary>The nodes' MQTT login; null = anonymous (README "Credentials").</summary>
    public MqttCredentials? Credentials { get; init; }

    /// <summary>Upper bound of the fleet size: beyond it one process runs out of sockets before the broker does.</summary>
    public const int MaxNodes = 10_000;

    /// <summary>Longest interval or duration: .NET timers take at most 2^32-2 ms (about 49.7 days).</summary>
    public static readonly TimeSpan MaxTimeSpan = TimeSpan.FromDays(49);

    /// <summary>Nodes in the fleet: <see cref="Sites"/> × 3 × <see cref="NodesPerKind"/>, or the sum over a scenario's <see cref="Layout"/>.</summary>
    public int NodeCount => checked((int)LayoutNodeCount());

    /// <summary>
    /// Messages each node sends when it keeps up: one at start, then one per tick while the tick is
    /// still before <see cref="Duration"/>, so the count does not depend on a race with the deadline.
    /// </summary>
    public long MessagesPerNode => (Duration.Ticks + Interval.Ticks - 1) / Interval.Ticks;

    /// <summary>Throws when a value cannot produce a meaningful run.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Host);
        ArgumentException.ThrowIfNullOrWhiteSpace(ClientIdPrefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(Sites, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(NodesPerKind, 1);
        // Fleet size (at most MaxNodes), a scenario's per-site layout and its episodes: FleetOptions.Scenario.cs.
        ValidateScenario();
        // Millisecond timestamps are the point identity downstream (docs/schema.md#point-identity): faster ticks would collide.
        ArgumentOutOfRangeException.ThrowIfLessThan(Interval, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(Duration, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Interval, MaxTimeSpan);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Duration, MaxTimeSpan);
        ArgumentOutOfRangeException.ThrowIfLessThan(InvalidEvery, 0);
        if (Qos is not (0 or 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Qos), Qos, "QoS must be 0 or 1.");
        }

        // Session, clock, outages, buffer and resends: FleetOptions.Firmware.cs.
        ValidateFirmware();
    }
}
