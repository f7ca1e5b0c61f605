using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Formats;

/// <summary>
/// One payload format as firmware (or its gateway) puts messages on the wire: the topic of a node and the
/// bytes of a message. <see cref="MessageComposer"/> decides what a message says (readings, faults,
/// timestamps); a format only says how. Implementations must write the same bytes for the same message on
/// every run and machine: no dictionary order, no culture, no clock of their own.
/// </summary>
public interface IMessageFormat
{
    PayloadFormat Format { get; }

    /// <summary>Whether nodes of <paramref name="kind"/> send this format; others send native.</summary>
    bool Serves(string kind);

    /// <summary>The data topic of <paramref name="node"/>.</summary>
    string Topic(NodeIdentity node);

    /// <summary>The catalog metrics a node of <paramref name="kind"/> reports in this format, in payload order.</summary>
    IReadOnlyList<SimulatedMetric> Metrics(string kind);

    /// <summary>
    /// Whether the format can carry <paramref name="fault"/> at all (a Sensor.Community payload has no time, a
    /// native one names no device); the composer picks the next fault in the list for a node when it cannot.
    /// </summary>
    bool CanCarry(FaultKind fault);

    /// <summary>The one reading of a <see cref="FaultKind.WrongUnit"/> message; <paramref name="valueOf"/> gives a metric's true value in its catalog unit.</summary>
    WireReading WrongUnit(string kind, Func<string, double> valueOf);

    byte[] Write(WireMessage message);
}

/// <summary>One reading as the composer hands it to a format.</summary>
/// <param name="Metric">A catalog metric name, or any other name (an unknown-metric fault), which formats pass through.</param>
/// <param name="Value">In the metric's catalog unit; a format converts it to the unit its wire uses.</param>
/// <param name="Text">When set, written as this string where the number would go (a string-value fault).</param>
/// <param name="Unit">When set, the unit label a format that states units writes instead of the right one.</param>
/// <param name="Raw">Written as it is, without the format's conversion to its wire unit (a wrong-unit fault).</param>
public sealed record WireReading(string Metric, double Value, string? Text = null, string? Unit = null, bool Raw = false);

/// <summary>One message for a format to write.</summary>
/// <param name="Node">The sender: its topic is always its own.</param>
/// <param name="Timestamp">The device time, whole milliseconds.</param>
/// <param name="ClaimedDevice">The node the payload claims to be, where it names one (an impersonation fault); null = itself.</param>
public sealed record WireMessage(NodeIdentity Node, long Seq, DateTimeOffset Timestamp, IReadOnlyList<WireReading> Readings, NodeIdentity? ClaimedDevice = null)
{
    /// <summary>The device the payload names.</summary>
    public NodeIdentity Claimed => ClaimedDevice ?? Node;
}
