using System.Collections.Frozen;

namespace EcoMonitor.FirmwareSim.Fleet;

/// <summary>
/// The faults the simulator injects on demand (<see cref="FleetOptions.Faults"/>,
/// <see cref="FleetOptions.InvalidEvery"/>). All but two are messages a correct consumer must refuse
/// under any reading of the contract (docs/mqtt.md), so none of them is a borderline case; such a message
/// carries exactly one reading, the bad one. <see cref="StuckValue"/> and <see cref="Spike"/> are
/// plausible values that a decoder accepts: catching them is the alert engine's job.
/// </summary>
/// <remarks>The numeric values index counters: new kinds are only ever appended.</remarks>
public enum FaultKind
{
    /// <summary>The message cut off before its last two bytes (a buffer cut mid-send). Expected: <c>malformed-json</c>.</summary>
    MalformedJson,

    /// <summary>One catalog metric at <c>max + (max − min)</c>, outside its plausible range. Expected: <c>out-of-range</c>.</summary>
    OutOfRange,

    /// <summary>One metric name that no catalog has (<c>MessageComposer.UnknownMetricName</c>). Expected: <c>unknown-metric</c>.</summary>
    UnknownMetric,

    /// <summary>One catalog metric whose value is a non-numeric string, as firmware sends on a sensor error. Expected: <c>value-not-number</c>.</summary>
    StringValue,

    /// <summary>
    /// Accepted. The node's anomaly metric (<c>MessageComposer.AnomalyMetric</c>) repeats the value of its
    /// previous message exactly, in this message and the next <c>MessageComposer.StuckRunLength</c> − 1 of the node.
    /// </summary>
    StuckValue,

    /// <summary>
    /// Accepted. The node's anomaly metric jumps by <c>MessageComposer.SpikeFraction</c> of its catalog range
    /// for this one message, staying inside the range.
    /// </summary>
    Spike,

    /// <summary>
    /// One reading in a unit the contract does not allow for it. Where the format states units (SenML) the
    /// unit cannot be converted: <c>unknown-unit</c>; where it does not (native, TTS, Sensor.Community) the
    /// number is in another unit and lands outside the range: <c>out-of-range</c>.
    /// </summary>
    WrongUnit,

    /// <summary>The device clock jumped <c>MessageComposer.ClockAheadJump</c> ahead. Expected: <c>timestamp-in-future</c>.</summary>
    ClockAhead,

    /// <summary>The device clock jumped <c>MessageComposer.ClockBehindJump</c> back. Expected: <c>timestamp-too-old</c>.</summary>
    ClockBehind,

    /// <summary>
    /// A node posing as another: the payload names a sibling node's device while the topic is the node's own.
    /// Only in formats whose payload names the device (SenML, TTS, Sensor.Community). Expected: <c>identity-mismatch</c>.
    /// </summary>
    Impersonation,
}

/// <summary>Names, defaults and properties of <see cref="FaultKind"/>.</summary>
public static class FaultKinds
{
    /// <summary>The faults <c>--invalid-every</c> has always cycled through, in that order: the default of <see cref="FleetOptions.Faults"/>.</summary>
    public static IReadOnlyList<FaultKind> Default { get; } =
        [FaultKind.MalformedJson, FaultKind.OutOfRange, FaultKind.UnknownMetric, FaultKind.StringValue];

    /// <summary>Every kind, in declaration order.</summary>
    public static IReadOnlyList<FaultKind> All { get; } = Enum.GetValues<FaultKind>();

    /// <summary>Command-line names (<c>--faults</c>), in declaration order.</summary>
    private static readonly FrozenDictionary<FaultKind, string> Names = new Dictionary<FaultKind, string>
    {
        [FaultKind.MalformedJson] = "malformed-json",
        [FaultKind.OutOfRange] = "out-of-range",
        [FaultKind.UnknownMetric] = "unknown-metric",
        [FaultKind.StringValue] = "string-value",
        [FaultKind.StuckValue] = "stuck-value",
        [FaultKind.Spike] = "spike",
        [FaultKind.WrongUnit] = "wrong-unit",
        [FaultKind.ClockAhead] = "clock-ahead",
        [FaultKind.ClockBehind] = "clock-behind",
        [FaultKind.Impersonation] = "impersonation",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, FaultKind> ByName =
        Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>The command-line name, e.g. <c>stuck-value</c>.</summary>
    public static string Name(FaultKind kind) =>
        Names.TryGetValue(kind, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(kind), kind, null);

    /// <summary>Every command-line name, in declaration order.</summary>
    public static IEnumerable<string> AllNames => All.Select(Name);

    public static bool TryParse(string text, out FaultKind kind) => ByName.TryGetValue(text.Trim(), out kind);

    /// <summary>
    /// A comma-separated list of names (<c>stuck-value,spike</c>), or <c>all</c>. A name may repeat to
    /// make that kind more frequent. Null with an error when a name is unknown or the list is empty.
    /// </summary>
    public static IReadOnlyList<FaultKind>? ParseList(string text, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.Equals(text.Trim(), "all", StringComparison.OrdinalIgnoreCase))
        {
            error = string.Empty;
            return All;
        }

        var kinds = new List<FaultKind>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!TryParse(part, out var kind))
            {
                error = $"'{part}' is not a fault kind; use all or some of: {string.Join(", ", AllNames)}";
                return null;
            }

            kinds.Add(kind);
        }

        if (kinds.Count == 0)
        {
            error = "the list of faults is empty";
            return null;
        }

        error = string.Empty;
        return kinds;
    }

    /// <summary>
    /// True for the plausible anomalies (<see cref="FaultKind.StuckValue"/>, <see cref="FaultKind.Spike"/>): a
    /// decoder accepts them and the message counts as good; every other kind must be refused.
    /// </summary>
    public static bool IsAccepted(FaultKind kind) => kind is FaultKind.StuckValue or FaultKind.Spike;
}
