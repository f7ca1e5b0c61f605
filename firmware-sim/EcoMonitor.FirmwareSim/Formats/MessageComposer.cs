using System.Globalization;
using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Signals;

namespace EcoMonitor.FirmwareSim.Formats;

/// <summary>One data message ready to publish.</summary>
/// <param name="Readings">Readings the payload carries (a refused-fault message carries exactly one).</param>
/// <param name="Fault">
/// The injected fault a correct consumer must refuse; null for a good message, which includes the plausible
/// anomalies (<see cref="Anomaly"/>): those are stored, so they count as good everywhere.
/// </param>
public sealed record SimulatedMessage(string Topic, byte[] Payload, int Readings, FaultKind? Fault)
{
    /// <summary><see cref="FaultKind.StuckValue"/> or <see cref="FaultKind.Spike"/> when the message carries one; it is accepted.</summary>
    public FaultKind? Anomaly { get; init; }

    /// <summary>The format of the payload (Sensor.Community fleets send native from water and soil nodes).</summary>
    public PayloadFormat Format { get; init; }
}

/// <summary>
/// Builds the fleet's messages in the chosen <see cref="PayloadFormat"/> and decides, deterministically, which
/// carry a fault. The fleet's messages are ordered by (seq, node index); with
/// <see cref="FleetOptions.InvalidEvery"/> N, message N, 2N, 3N … in that order carries a fault, the kinds
/// cycling through <see cref="FleetOptions.Faults"/>. Ordering by seq rather than by publish time keeps the
/// choice independent of scheduling. Where the node's format cannot carry the kind due (an impersonation in
/// native, a clock jump in Sensor.Community), the next kind of the list that it can carry is taken; if none,
/// the message is good.
/// </summary>
/// <remarks>
/// The same options, nodes, seqs and timestamps give byte-identical payloads on every run and machine: values
/// come from <see cref="SignalModel"/>, time only from the caller, and writing uses no culture and no dictionary
/// order. The composer keeps one piece of state per node, the stuck run (<see cref="FaultKind.StuckValue"/>), so a
/// node's messages must be composed in seq order; different nodes may be composed concurrently.
/// </remarks>
public sealed class MessageComposer
{
    /// <summary>The metric name of <see cref="FaultKind.UnknownMetric"/>; no catalog will ever define it.</summary>
    public const string UnknownMetricName = "sim_unknown_metric";

    /// <summary>The value of <see cref="FaultKind.StringValue"/>; not a number under any parser.</summary>
    public const string StringFaultValue = "ERR";

    /// <summary>Messages of a node that repeat the stuck value (the example rule <c>stuck: { readings: 30 }</c> fires on them).</summary>
    public const int StuckRunLength = 30;

    /// <summary>A spike moves the anomaly metric by this share of its catalog range (air temperature: 12.5 °C).</summary>
    public const double SpikeFraction = 0.1;

    /// <summary>Beyond the largest future skew the service can be configured to allow (1 day).</summary>
    public static readonly TimeSpan ClockAheadJump = TimeSpan.FromDays(30);

    /// <summary>Beyond the largest age the service can be configured to allow (3650 days), and still after 2000 for any clock after 2011.</summary>
    public static readonly TimeSpan ClockBehindJump = TimeSpan.FromDays(4000);

    private readonly SignalModel _model;
    private readonly int _nodeCount;
    private readonly int _every;
    private readonly FaultKind[] _faults;
    private readonly IMessageFormat _format;
    private readonly IReadOnlyList<NodeIdentity> _nodes;
    private readonly NodeState?[] _states;

    /// <summary>Native messages and the four classic faults (<see cref="FaultKinds.Default"/>), as the simulator has always sent them.</summary>
    public MessageComposer(SignalModel model, int nodeCount, int invalidEvery)
        : this(model, nodeCount, invalidEvery, FaultKinds.Default, NativeFormat.Instance, [])
    {
    }

    /// <summary>Messages as <paramref name="options"/> describe them (seed and episodes, format, faults) for the fleet of <paramref name="nodes"/>.</summary>
    /// <param name="nodes">The fleet, by <see cref="NodeIdentity.Index"/>; <see cref="NodeIdentity.Layout"/> when null.</param>
    public MessageComposer(FleetOptions options, IReadOnlyList<NodeIdentity>? nodes = null)
        : this(
            Checked(options).CreateSignalModel(),
            (nodes ?? NodeIdentity.Layout(options)).Count,
            options.InvalidEvery,
            options.Faults,
            FormatOf(options),
            nodes ?? NodeIdentity.Layout(options))
    {
    }

    private MessageComposer(SignalModel model, int nodeCount, int every, IReadOnlyList<FaultKind> faults, IMessageFormat format, IReadOnlyList<NodeIdentity> nodes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 0);
        ArgumentNullException.ThrowIfNull(faults);
        if (faults.Count == 0)
        {
            throw new ArgumentException("The list of faults must not be empty.", nameof(faults));
        }

        foreach (var fault in faults)
        {
            if (!Enum.IsDefined(fault))
            {
                throw new ArgumentOutOfRangeException(nameof(faults), fault, "Unknown fault kind.");
            }
        }

        _model = model;
        _nodeCount = nodeCount;
        _every = every;
        _faults = [.. faults];
        _format = format;
        _nodes = nodes;
        _states = new NodeState?[nodeCount];
    }

    /// <summary>The format the fleet was asked for.</summary>
    public PayloadFormat Format => _format.Format;

    /// <summary>The format implementation for <paramref name="options"/>.</summary>
    public static IMessageFormat FormatOf(FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Format switch
        {
            PayloadFormat.Native => NativeFormat.Instance,
            PayloadFormat.Senml => SenmlFormat.Instance,
            PayloadFormat.Tts => TtsFormat.Instance,
            PayloadFormat.SensorCommunity => new SensorCommunityFormat(options.Interval),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Format, "Unknown payload format."),
        };
    }

    /// <summary>
    /// The metric that <see cref="FaultKind.StuckValue"/> and <see cref="FaultKind.Spike"/> affect: the ones the example
    /// alert rules watch (air temperature stuck, water conductivity jump, soil moisture stuck), none of them part of a
    /// cross-check (PM2.5 ≤ PM10) that a changed value could trip.
    /// </summary>
    public static string AnomalyMetric(string kind) => kind switch
    {
        FleetCatalog.Air => "temperature",
        FleetCatalog.Water => "conductivity",
        FleetCatalog.Soil => "moisture",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown sensor kind."),
    };

    /// <summary>The format nodes of <paramref name="kind"/> send: the fleet's, or native where it does not serve the kind.</summary>
    public IMessageFormat FormatFor(string kind) => _format.Serves(kind) ? _format : NativeFormat.Instance;

    public SimulatedMessage Compose(NodeIdentity node, long seq, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentOutOfRangeException.ThrowIfLessThan(seq, 1);
        if (node.Index < 0 || node.Index >= _nodeCount)
        {
            throw new ArgumentOutOfRangeException(nameof(node), node.Index, $"Node index must be below the fleet size {_nodeCount}.");
        }

        // Truncated once, so the payload's time and the modelled values use the very same instant.
        var ts = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        var format = FormatFor(node.Kind);
        var fault = FaultFor(node, seq);
        if (fault is { } refused && !FaultKinds.IsAccepted(refused))
        {
            return new(format.Topic(node), WriteFault(refused, format, node, seq, ts), 1, refused) { Format = format.Format };
        }

        var metrics = format.Metrics(node.Kind);
        var readings = new WireReading[metrics.Count];
        var anomalyMetric = AnomalyMetric(node.Kind);
        FaultKind? anomaly = null;
        for (var i = 0; i < metrics.Count; i++)
        {
            var metric = metrics[i];
            var value = _model.Value(node.Site, node.Kind, node.Device, metric.Name, ts);
            if (metric.Name == anomalyMetric)
            {
                (value, anomaly) = Anomalous(node, seq, metric, value, fault);
            }

            readings[i] = new WireReading(metric.Name, value);
        }

        var payload = format.Write(new WireMessage(node, seq, ts, readings));
        return new(format.Topic(node), payload, readings.Length, null) { Anomaly = anomaly, Format = format.Format };
    }

    /// <summary>Which fault, if any, the message of <paramref name="node"/> with <paramref name="seq"/> carries.</summary>
    public FaultKind? FaultFor(NodeIdentity node, long seq)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (_every <= 0)
        {
            return null;
        }

        var ordinal = ((seq - 1) * _nodeCount) + node.Index + 1;
        if (ordinal % _every != 0)
        {
            return null;
        }

        var format = FormatFor(node.Kind);
        var start = ((ordinal / _every) - 1) % _faults.Length;
        for (var i = 0; i < _faults.Length; i++)
        {
            var kind = _faults[(start + i) % _faults.Length];
            if (format.CanCarry(kind))
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>RFC 3339 UTC with milliseconds, e.g. <c>2026-11-28T08:00:00.000Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The node a node posing as another claims to be: the next node of the same site and kind in the fleet
    /// (wrapping), else (a kind with one node per site) the device with the next number, which no node has.
    /// Never the node itself, so the claim always contradicts the topic.
    /// </summary>
    public NodeIdentity VictimOf(NodeIdentity node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var siblings = _nodes.Where(n => n.Site == node.Site && n.Kind == node.Kind).ToList();
        var at = siblings.FindIndex(n => n.Device == node.Device);
        for (var step = 1; at >= 0 && step < siblings.Count; step++)
        {
            var candidate = siblings[(at + step) % siblings.Count];
            if (candidate.Device != node.Device)
            {
                return candidate;
            }
        }

        var number = Wire.TrailingNumber(node.Device);
        var device = number is { } n && n < int.MaxValue
            ? node.Device[..^CountTrailingDigits(node.Device)] + (n + 1).ToString("D" + CountTrailingDigits(node.Device).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : node.Device + "-b";
        return node with { Index = -1, Device = device, ClientId = string.Empty };
    }

    private (double Value, FaultKind? Anomaly) Anomalous(NodeIdentity node, long seq, SimulatedMetric metric, double value, FaultKind? fault)
    {
        var state = _states[node.Index] ??= new NodeState();
        FaultKind? anomaly = null;
        if (fault == FaultKind.StuckValue)
        {
            if (seq > state.StuckUntil)
            {
                // The sensor freezes at what it last reported (its current value on a node's first message).
                state.Frozen = state.Last ?? value;
            }

            state.StuckUntil = seq + StuckRunLength - 1;
        }

        if (seq <= state.StuckUntil)
        {
            value = state.Frozen;
            anomaly = FaultKind.StuckValue;
        }

        if (fault == FaultKind.Spike)
        {
            value = Spike(metric, value);
            anomaly = FaultKind.Spike;
        }

        state.Last = value;
        return (value, anomaly);
    }

    /// <summary>Up by <see cref="SpikeFraction"/> of the range, or down where up would leave it; rounded to the probe's resolution.</summary>
    public static double Spike(SimulatedMetric metric, double value)
    {
        ArgumentNullException.ThrowIfNull(metric);
        var jump = SpikeFraction * (metric.Max - metric.Min);
        var spiked = value + jump <= metric.Max ? value + jump : value - jump;
        return metric.Clamp(Math.Round(spiked, metric.Decimals, MidpointRounding.AwayFromZero));
    }

    private byte[] WriteFault(FaultKind fault, IMessageFormat format, NodeIdentity node, long seq, DateTimeOffset ts)
    {
        // A refused-fault message carries one reading, the bad one, so every reading in it is bad and a consumer's
        // stored count can be compared with the good messages' readings exactly.
        var metric = format.Metrics(node.Kind)[0];
        var value = _model.Value(node.Site, node.Kind, node.Device, metric.Name, ts);
        var reading = new WireReading(metric.Name, value);
        var message = new WireMessage(node, seq, ts, [reading]);
        switch (fault)
        {
            case FaultKind.MalformedJson:
                // Drop the last two bytes: what a node emits when its buffer is cut mid-send.
                return format.Write(message)[..^2];
            case FaultKind.OutOfRange:
                // As far beyond the maximum as the whole range is wide: out for any catalog tolerance.
                return format.Write(message with { Readings = [reading with { Value = metric.Max + (metric.Max - metric.Min) }] });
            case FaultKind.UnknownMetric:
                return format.Write(message with { Readings = [reading with { Metric = UnknownMetricName }] });
            case FaultKind.StringValue:
                return format.Write(message with { Readings = [reading with { Text = StringFaultValue }] });
            case FaultKind.WrongUnit:
                var wrong = format.WrongUnit(node.Kind, name => _model.Value(node.Site, node.Kind, node.Device, name, ts));
                return format.Write(message with { Readings = [wrong] });
            case FaultKind.ClockAhead:
                // The values are those of the true instant; only the device's idea of the time is off.
                return format.Write(message with { Timestamp = ts + ClockAheadJump });
            case FaultKind.ClockBehind:
                return format.Write(message with { Timestamp = ts - ClockBehindJump });
            case FaultKind.Impersonation:
                return format.Write(message with { ClaimedDevice = VictimOf(node) });
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, null);
        }
    }

    private static int CountTrailingDigits(string name)
    {
        var count = 0;
        while (count < name.Length && char.IsAsciiDigit(name[name.Length - 1 - count]))
        {
            count++;
        }

        return count;
    }

    private static FleetOptions Checked(FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options;
    }

    /// <summary>A node's anomaly-metric history: only the node's own loop touches it, in seq order.</summary>
    private sealed class NodeState
    {
        public double? Last { get; set; }

        public double Frozen { get; set; }

        public long StuckUntil { get; set; }
    }
}
