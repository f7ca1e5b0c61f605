namespace EcoMonitor.FirmwareSim.Fleet;

/// <summary>What the nodes' messages look like: payload format and injected faults (README "Formats", "Faults").</summary>
public sealed partial record FleetOptions
{
    /// <summary>Wire format of data messages. Sensor.Community applies to air nodes; water and soil nodes then send native.</summary>
    public PayloadFormat Format { get; init; } = PayloadFormat.Native;

    /// <summary>
    /// The fault kinds that <see cref="InvalidEvery"/> cycles through, in this order; a kind may repeat to come more
    /// often. Defaults to the four the simulator has always injected (<see cref="FaultKinds.Default"/>). Checked
    /// when the <c>MessageComposer</c> is built: not empty, known kinds only.
    /// </summary>
    public IReadOnlyList<FaultKind> Faults { get; init; } = FaultKinds.Default;
}
