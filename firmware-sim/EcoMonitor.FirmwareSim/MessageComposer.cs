using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace EcoMonitor.FirmwareSim;

/// <summary>One data message ready to publish.</summary>
/// <param name="Readings">Readings the payload carries (a bad message carries exactly one).</param>
/// <param name="Fault">Null for a good message.</param>
public sealed record SimulatedMessage(string Topic, byte[] Payload, int Readings, FaultKind? Fault);

/// <summary>
/// Builds the native payloads (DESIGN §3) and decides, deterministically, which messages are bad.
/// The fleet's messages are ordered by (seq, node index); with <see cref="FleetOptions.InvalidEvery"/>
/// N, message N, 2N, 3N … in that order is bad, the faults cycling through <see cref="FaultKind"/>.
/// Ordering by seq rather than by publish time keeps the choice independent of scheduling.
/// </summary>
public sealed class MessageComposer(SignalModel model, int nodeCount, int invalidEvery)
{
    /// <summary>The metric name of <see cref="FaultKind.UnknownMetric"/>; no catalog will ever define it.</summary>
    public const string UnknownMetricName = "sim_unknown_metric";

    /// <summary>The value of <see cref="FaultKind.StringValue"/>; not a number under any parser.</summary>
    public const string StringFaultValue = "ERR";

    private static readonly FaultKind[] FaultCycle = Enum.GetValues<FaultKind>();

    public SimulatedMessage Compose(NodeIdentity node, long seq, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(node);
        // Truncated once, so the payload's ts and the modelled values use the very same instant.
        var ts = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        var fault = FaultFor(node.Index, seq);
        if (fault is null)
        {
            var readings = model.Readings(node.Site, node.Kind, node.Device, ts);
            return new(node.Topic, Write(ts, seq, readings), readings.Count, null);
        }

        return new(node.Topic, WriteFault(fault.Value, node, ts, seq), 1, fault);
    }

    /// <summary>Which fault, if any, the message of <paramref name="nodeIndex"/> with <paramref name="seq"/> carries.</summary>
    public FaultKind? FaultFor(int nodeIndex, long seq)
    {
        if (invalidEvery <= 0)
        {
            return null;
        }

        var ordinal = ((seq - 1) * nodeCount) + nodeIndex + 1;
        return ordinal % invalidEvery == 0
            ? FaultCycle[((ordinal / invalidEvery) - 1) % FaultCycle.Length]
            : null;
    }

    /// <summary>RFC 3339 UTC with milliseconds, e.g. <c>2026-11-28T08:00:00.000Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private byte[] WriteFault(FaultKind fault, NodeIdentity node, DateTimeOffset ts, long seq)
    {
        // Bad messages carry one reading of the node's first metric, so every reading in a bad
        // message is bad and a consumer's stored count can be compared with ValidReadings exactly.
        var metric = FleetCatalog.MetricsOf(node.Kind)[0];
        var value = model.Value(node.Site, node.Kind, node.Device, metric.Name, ts);
        switch (fault)
        {
            case FaultKind.MalformedJson:
                var complete = Write(ts, seq, [new(metric.Name, value)]);
                // Drop the closing "}}": what a node emits when its buffer is cut mid-send.
                return complete[..^2];
            case FaultKind.OutOfRange:
                // As far beyond the maximum as the whole range is wide: out for any catalog tolerance.
                var outside = metric.Max + (metric.Max - metric.Min);
                return Write(ts, seq, [new(metric.Name, outside)]);
            case FaultKind.UnknownMetric:
                return Write(ts, seq, [new(UnknownMetricName, value)]);
            case FaultKind.StringValue:
                return Write(ts, seq, writer => writer.WriteString(metric.Name, StringFaultValue));
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, null);
        }
    }

    private static byte[] Write(DateTimeOffset ts, long seq, IReadOnlyList<KeyValuePair<string, double>> readings) =>
        Write(ts, seq, writer =>
        {
            foreach (var (metric, value) in readings)
            {
                writer.WriteNumber(metric, value);
            }
        });

    private static byte[] Write(DateTimeOffset ts, long seq, Action<Utf8JsonWriter> writeReadings)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("ts", FormatTimestamp(ts));
            writer.WriteNumber("seq", seq);
            writer.WriteStartObject("readings");
            writeReadings(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
