using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Decoding;

/// <summary>
/// A reading as a decoder understood it, before validation: the metric may be unknown, the
/// value out of range or in another unit, the timestamp absent or absurd.
/// </summary>
/// <param name="Unit">The unit the payload gave, when it gave one; null means the catalog unit.</param>
public sealed record DecodedReading(
    SensorAddress Address,
    string Metric,
    double Value,
    DateTimeOffset? Timestamp,
    long? Seq,
    int Record,
    string? Unit = null);
