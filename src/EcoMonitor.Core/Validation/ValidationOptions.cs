using System.ComponentModel.DataAnnotations;

namespace EcoMonitor.Core.Validation;

/// <summary>What to do with a reading whose payload carries no timestamp.</summary>
public enum MissingTimestampPolicy
{
    /// <summary>Refuse it: without the device's time a replayed reading cannot be placed.</summary>
    Reject,

    /// <summary>Stamp it with the receive time, and count it.</summary>
    ReceiveTime,
}

/// <summary>Plausibility rules applied to every decoded reading (bound as <c>Ingest:Validation</c>).</summary>
public sealed class ValidationOptions
{
    /// <summary>How far ahead of the receive time a device clock may run.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old a reading may be: nodes replay buffered data, but not from years ago.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(366);

    public MissingTimestampPolicy MissingTimestamp { get; set; } = MissingTimestampPolicy.Reject;
}
