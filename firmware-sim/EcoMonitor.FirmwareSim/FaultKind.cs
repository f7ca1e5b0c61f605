namespace EcoMonitor.FirmwareSim;

/// <summary>
/// The deliberately bad messages, in the order they cycle. Each one must be rejected by a correct
/// consumer under any reading of the contract (DESIGN §3), so none of them is a borderline case.
/// </summary>
public enum FaultKind
{
    /// <summary>A native payload cut off before its closing braces.</summary>
    MalformedJson,

    /// <summary>One catalog metric with a value far outside its plausible range.</summary>
    OutOfRange,

    /// <summary>One metric name that no catalog has (<see cref="MessageComposer.UnknownMetricName"/>).</summary>
    UnknownMetric,

    /// <summary>One catalog metric whose value is a non-numeric string, as firmware sends on a sensor error.</summary>
    StringValue,
}
