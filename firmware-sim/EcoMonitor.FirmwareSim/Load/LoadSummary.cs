using System.Globalization;
using System.Text.Json.Serialization;

namespace EcoMonitor.FirmwareSim.Load;

/// <summary>
/// What a load run achieved. A message is complete when the broker has it: PUBACK (reason
/// <c>Success</c> or <c>NoMatchingSubscribers</c>) at QoS 1, written to the socket at QoS 0.
/// </summary>
/// <param name="RequestedRate">Messages per second asked for.</param>
/// <param name="AchievedRate">Complete messages per second over <see cref="Elapsed"/>.</param>
/// <param name="Planned">Messages in the run: rate × duration.</param>
/// <param name="Sent">Publishes started.</param>
/// <param name="Completed">Messages the broker has (acknowledged at QoS 1, written at QoS 0).</param>
/// <param name="Failed">Publishes refused by the broker, failed, timed out, or skipped on a lost connection.</param>
/// <param name="Unsent">Planned messages never sent: the run was stopped, or the pacer was still behind <see cref="LoadOptions.MaxOverrun"/> after the duration.</param>
/// <param name="Readings">Readings in the complete messages.</param>
/// <param name="Latency">From each message's scheduled send time to its PUBACK (QoS 1) or socket write (QoS 0).</param>
/// <param name="DispatchLag">
/// From each message's scheduled send time to the start of its publish: the generator's own share of
/// <paramref name="Latency"/> (timer resolution, waiting for an in-flight slot, a stall of the process).
/// </param>
/// <param name="PerSecondMin">Fewest messages completed in one whole second of the run (steadiness); 0 when the run is shorter than a second.</param>
/// <param name="PerSecondMax">Most messages completed in one whole second of the run.</param>
/// <param name="Elapsed">From the first scheduled send to the last completion; at least the duration (or the time until a stop).</param>
public sealed record LoadSummary(
    double RequestedRate,
    double AchievedRate,
    long Planned,
    long Sent,
    long Completed,
    long Failed,
    long Unsent,
    long Readings,
    LatencySummary Latency,
    LatencySummary DispatchLag,
    long PerSecondMin,
    long PerSecondMax,
    int Devices,
    int Connections,
    int Qos,
    int? ReadingsPerMessage,
    TimeSpan Duration,
    TimeSpan Elapsed)
{
    public double ElapsedSeconds => Math.Round(Elapsed.TotalSeconds, 3);

    /// <summary>Achieved rate as a share of the requested one (1 = on target).</summary>
    public double RateRatio => RequestedRate <= 0 ? 0 : Math.Round(AchievedRate / RequestedRate, 4);

    /// <summary>The one line printed on stdout; scripts parse it, so its shape is fixed.</summary>
    public string ToSummaryLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"load requested_rate={RequestedRate:0.##} achieved_rate={AchievedRate:0.#} messages={Completed} readings={Readings} failed={Failed} unsent={Unsent} {Latency.ToSummaryText()} devices={Devices} connections={Connections} qos={Qos}");
}

/// <summary>Source-generated JSON for <c>--summary-file</c> in load mode: camelCase, no reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(LoadSummary))]
public sealed partial class LoadJsonContext : JsonSerializerContext;
