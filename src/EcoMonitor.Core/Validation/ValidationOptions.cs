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

    /// <summary>
    /// PM2.5 is part of PM10, so a record with PM2.5 above PM10 by more than this fraction plus
    /// <see cref="PmToleranceAbsolute"/> is refused (both values): the sensor is faulty.
    /// Optical sensors are noisy at low concentrations, hence the two allowances.
    /// </summary>
    [Range(0.0, 10.0)]
    public double PmToleranceFraction { get; set; } = 0.1;

    /// <summary>µg/m³ allowed on top of <see cref="PmToleranceFraction"/>.</summary>
    [Range(0.0, 1000.0)]
    public double PmToleranceAbsolute { get; set; } = 5;
}
