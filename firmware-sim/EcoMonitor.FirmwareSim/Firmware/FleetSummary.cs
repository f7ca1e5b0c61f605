using System.Globalization;
using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Firmware;

/// <summary>
/// What a run published. Only messages the broker accepted (PUBACK for QoS 1, written to the socket
/// for QoS 0) are counted; status messages (<c>online</c>/<c>offline</c>) are not.
/// Every deliberately bad message carries exactly one reading, so
/// <c>Readings == ValidReadings + InvalidMessages</c>.
/// </summary>
/// <param name="Messages">Data messages accepted by the broker, good and bad.</param>
/// <param name="Readings">Readings in those messages, good and bad.</param>
/// <param name="ValidReadings">Readings in messages that are not deliberately bad: what a correct consumer stores.</param>
/// <param name="InvalidMessages">Deliberately bad messages accepted by the broker: what a correct consumer dead-letters.</param>
/// <param name="Faults">The bad messages by kind of fault.</param>
/// <param name="FailedMessages">Messages whose publish failed or was refused; whether the broker kept them is unknown.</param>
/// <param name="Nodes">Simulated nodes.</param>
/// <param name="Elapsed">Wall time of the run, connecting and disconnecting included.</param>
public sealed record FleetSummary(
    long Messages,
    long Readings,
    long ValidReadings,
    long InvalidMessages,
    FaultCounts Faults,
    long FailedMessages,
    int Nodes,
    TimeSpan Elapsed)
{
    /// <summary>The same duration as a number, because scripts reading the JSON rarely parse .NET time spans.</summary>
    public double ElapsedSeconds => Math.Round(Elapsed.TotalSeconds, 3);

    /// <summary>The one line printed on stdout; scripts parse it, so its shape is fixed.</summary>
    public string ToSummaryLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"published messages={Messages} readings={Readings} valid_readings={ValidReadings} invalid_messages={InvalidMessages} nodes={Nodes}");
}

/// <summary>Deliberately bad messages by kind of fault.</summary>
public sealed record FaultCounts(long MalformedJson, long OutOfRange, long UnknownMetric, long StringValue)
{
    public long this[FaultKind kind] => kind switch
    {
        FaultKind.MalformedJson => MalformedJson,
        FaultKind.OutOfRange => OutOfRange,
        FaultKind.UnknownMetric => UnknownMetric,
        FaultKind.StringValue => StringValue,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public string ToSummaryLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"faults malformed_json={MalformedJson} out_of_range={OutOfRange} unknown_metric={UnknownMetric} string_value={StringValue}");
}
