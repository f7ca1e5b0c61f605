namespace EcoMonitor.Core.Readings;

/// <summary>
/// One accepted reading: a value of a catalog metric, in the catalog unit, at the device's
/// time (Unix milliseconds). Its identity in the store is (kind, site, device, metric, time).
/// </summary>
public sealed record Reading(
    SensorKind Kind,
    string Site,
    string Device,
    string Metric,
    double Value,
    long TimestampMs,
    long? Seq = null)
{
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs);
}
