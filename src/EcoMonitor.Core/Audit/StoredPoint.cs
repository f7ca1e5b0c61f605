namespace EcoMonitor.Core.Audit;

/// <summary>Where one reading lives in the store: measurement (the kind), tags, metric (the field) and time.</summary>
public readonly record struct PointKey(string Measurement, string Site, string Device, string Metric, long TimestampMs)
{
    public override string ToString() => $"{Measurement},device={Device},site={Site} {Metric} at {DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs):yyyy-MM-dd'T'HH:mm:ss.fff'Z'}";
}

/// <summary>One reading as read back from a store (docs/schema.md#readings).</summary>
public readonly record struct StoredPoint(PointKey Key, double Value);
