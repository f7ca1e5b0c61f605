using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Decoding;

/// <summary>
/// A reading as a decoder understood it, before validation: the metric may be unknown, the
/// value out of range, the timestamp absent or absurd.
/// </summary>
public sealed record DecodedReading(
    SensorAddress Address,
    string Metric,
    double Value,
    DateTimeOffset? Timestamp,
    long? Seq,
    int Record);
