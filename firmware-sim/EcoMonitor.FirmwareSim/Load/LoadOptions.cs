using System.Globalization;
using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Load;

/// <summary>
/// What the load generator (<see cref="LoadGenerator"/>) sends. Broker, QoS, seed, duration, client id
/// prefix, summary file, sites and episodes come from <see cref="Fleet"/>; its interval and faults do
/// not apply (the rate sets the pace, and every load message is valid).
/// </summary>
public sealed record LoadOptions
{
    /// <summary>Most devices one run spreads its messages over.</summary>
    public const int MaxDevices = 1_000_000;

    /// <summary>Fastest rate accepted (messages per second across the fleet).</summary>
    public const double MaxRate = 1_000_000;

    /// <summary>MQTT packet identifiers are 16 bits: more QoS 1 publishes in flight on one connection would reuse one.</summary>
    public const int MaxInflightLimit = 65_000;

    /// <summary>Most connections one run opens.</summary>
    public const int MaxConnections = 256;

    /// <summary>The largest <see cref="ReadingsPerMessage"/>: the service's default <c>Ingest:Limits:MaxReadingsPerMessage</c>.</summary>
    public const int MaxReadingsPerMessage = 10_000;

    /// <summary>
    /// Millisecond timestamps are the point identity downstream (docs/schema.md#point-identity): one series must not get
    /// two points in one millisecond, so one device sends at most this many records a second.
    /// </summary>
    public const int MaxRecordsPerDeviceSecond = 1000;

    public FleetOptions Fleet { get; init; } = new();

    /// <summary>Messages per second across the fleet.</summary>
    public double Rate { get; init; } = 1000;

    /// <summary>Devices the messages are spread over (round robin); null = the fleet's layout (sites × kinds × nodes per kind).</summary>
    public int? Devices { get; init; }

    /// <summary>
    /// Readings in each message; null = all of the device's metrics (4 to 6, one native record). More
    /// than a kind's metrics makes the payload a native array of records, spread over the time since
    /// the device's previous message, as a node uploading a batch does.
    /// </summary>
    public int? ReadingsPerMessage { get; init; }

    /// <summary>MQTT connections the devices share (device <c>d</c> publishes on connection <c>d mod N</c>).</summary>
    public int Connections { get; init; } = 4;

    /// <summary>Publishes in flight (sent, not yet acknowledged) per connection before the generator waits.</summary>
    public int MaxInflight { get; init; } = 1000;

    /// <summary>The pacer's catch-up window: no grant is larger than the messages due in it (<see cref="SendPacer"/>).</summary>
    public TimeSpan BurstWindow { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How long the pacer may keep catching up after <see cref="FleetOptions.Duration"/> before it gives up on the rest.</summary>
    public TimeSpan MaxOverrun { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages in the run: <c>rate × duration</c>, rounded.</summary>
    public long TotalMessages => (long)Math.Round(Rate * Fleet.Duration.TotalSeconds);

    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Fleet);
        Fleet.Validate();
        if (!double.IsFinite(Rate) || Rate <= 0 || Rate > MaxRate)
        {
            throw new ArgumentOutOfRangeException(nameof(Rate), Rate, string.Create(CultureInfo.InvariantCulture, $"The rate must be above 0 and at most {MaxRate:0} messages per second."));
        }

        if (TotalMessages < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Rate), Rate, "rate × duration is less than one message.");
        }

        if (Devices is { } devices)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1, nameof(Devices));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(devices, MaxDevices, nameof(Devices));
        }

        if (ReadingsPerMessage is { } readings)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(readings, 1, nameof(ReadingsPerMessage));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(readings, MaxReadingsPerMessage, nameof(ReadingsPerMessage));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Connections, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Connections, MaxConnections);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInflight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxInflight, MaxInflightLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(BurstWindow, TimeSpan.FromMilliseconds(1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BurstWindow, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxOverrun, TimeSpan.Zero);
        if (Fleet.Credentials is { IsPerDevice: true })
        {
            throw new ArgumentException($"load mode shares each connection between many devices: its --username cannot contain {MqttCredentials.DevicePlaceholder} (README \"Credentials\").", nameof(Fleet));
        }

        // The busiest device: records per second it must send, at least one millisecond apart.
        var deviceCount = Devices ?? Fleet.NodeCount;
        var records = ReadingsPerMessage is { } k ? (k + FleetCatalog.MetricsOf(FleetCatalog.Soil).Count - 1) / FleetCatalog.MetricsOf(FleetCatalog.Soil).Count : 1;
        var recordsPerDeviceSecond = Math.Ceiling(Rate / deviceCount) * records;
        if (recordsPerDeviceSecond > MaxRecordsPerDeviceSecond)
        {
            throw new ArgumentOutOfRangeException(
                nameof(Devices),
                deviceCount,
                string.Create(CultureInfo.InvariantCulture, $"{deviceCount} devices at {Rate} messages/s of {records} record(s) each is {recordsPerDeviceSecond} records a second per device; at most {MaxRecordsPerDeviceSecond} (one per millisecond, the point identity downstream): use more devices or fewer readings per message."));
        }
    }
}
