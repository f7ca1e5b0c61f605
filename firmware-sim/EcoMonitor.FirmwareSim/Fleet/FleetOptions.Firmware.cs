namespace EcoMonitor.FirmwareSim.Fleet;

/// <summary>The MQTT version the nodes speak.</summary>
public enum MqttProtocol
{
    /// <summary>MQTT 3.1.1: clean session flag, no session expiry, no reason codes.</summary>
    Mqtt311,

    /// <summary>MQTT 5: clean start flag and a session expiry interval.</summary>
    Mqtt5,
}

/// <summary>How each node behaves like field firmware: session, clock, outages, store-and-forward, resends.</summary>
public sealed partial record FleetOptions
{
    /// <summary>Largest <see cref="ClockDriftPpm"/>: 1000 ppm is 86 s a day, far worse than any crystal.</summary>
    public const int MaxClockDriftPpm = 1000;

    /// <summary>Largest <see cref="ReplayBatchSize"/>; the service refuses payloads past 256 KiB by default.</summary>
    public const int MaxReplayBatchSize = 1000;

    public MqttProtocol Protocol { get; init; } = MqttProtocol.Mqtt5;

    /// <summary>
    /// False (the default) resumes the node's session on every connect, as firmware does; with MQTT 5 the
    /// session then lives <see cref="SessionExpiry"/> after a disconnect.
    /// </summary>
    public bool CleanSession { get; init; }

    /// <summary>MQTT 5 session expiry interval sent when <see cref="CleanSession"/> is false (whole seconds).</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Each node's clock runs fast or slow by up to this many parts per million, and starts off by up to
    /// the error that drift piles up in a day (86.4 ms per ppm), both drawn per node from the seed.
    /// 0 = every node uses the simulator's clock.
    /// </summary>
    public int ClockDriftPpm { get; init; }

    /// <summary>Each node with outages loses the network once per this period (null = never).</summary>
    public TimeSpan? OfflineEvery { get; init; }

    /// <summary>How long each outage lasts; shorter than <see cref="OfflineEvery"/>.</summary>
    public TimeSpan? OfflineFor { get; init; }

    /// <summary>Share of nodes that have outages at all, drawn per node from the seed (0 to 1).</summary>
    public double OfflineProbability { get; init; } = 1;

    /// <summary>
    /// Messages a node keeps while it cannot publish. When full, the oldest is dropped and counted
    /// (a ring buffer in flash, as firmware has). 0 = no buffer: what cannot be sent is dropped.
    /// </summary>
    public int BufferCapacity { get; init; } = 1000;

    /// <summary>Buffered native messages sent per replay message (a JSON array of readings objects).</summary>
    public int ReplayBatchSize { get; init; } = 50;

    /// <summary>Every Nth message of the fleet, in the (seq, node) order, is sent a second time; 0 = never.</summary>
    public int DuplicateEvery { get; init; }

    private void ValidateFirmware()
    {
        if (Protocol is not (MqttProtocol.Mqtt311 or MqttProtocol.Mqtt5))
        {
            throw new ArgumentOutOfRangeException(nameof(Protocol), Protocol, "Protocol must be MQTT 3.1.1 or 5.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(SessionExpiry, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SessionExpiry, TimeSpan.FromSeconds(uint.MaxValue));
        ArgumentOutOfRangeException.ThrowIfLessThan(ClockDriftPpm, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ClockDriftPpm, MaxClockDriftPpm);
        if (OfflineEvery.HasValue != OfflineFor.HasValue)
        {
            throw new ArgumentException("Offline periods need both OfflineEvery and OfflineFor.", OfflineEvery.HasValue ? nameof(OfflineFor) : nameof(OfflineEvery));
        }

        if (OfflineEvery is { } every && OfflineFor is { } length)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(length, TimeSpan.FromMilliseconds(1), nameof(OfflineFor));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(every, MaxTimeSpan, nameof(OfflineEvery));
            if (length >= every)
            {
                throw new ArgumentOutOfRangeException(nameof(OfflineFor), length, "An outage must be shorter than the period it repeats with (OfflineEvery).");
            }
        }

        if (!(OfflineProbability is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(OfflineProbability), OfflineProbability, "OfflineProbability must be between 0 and 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BufferCapacity, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReplayBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ReplayBatchSize, MaxReplayBatchSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(DuplicateEvery, 0);
    }
}
