using EcoMonitor.Core.Alerting.AirQuality;

namespace EcoMonitor.Core.Alerting.Rules;

/// <summary>What makes a rule fire. Closed set: an evaluator switches over the derived records.</summary>
public abstract record AlertCondition;

/// <summary>
/// <c>above</c>/<c>below</c>/<c>outside</c>, one level or several (<c>levels</c>), optionally on a
/// rolling-window aggregate instead of the raw reading.
/// </summary>
/// <param name="Levels">Least severe first; all of the same <see cref="ThresholdDirection"/>.</param>
public sealed record ThresholdCondition(IReadOnlyList<ThresholdLevel> Levels, WindowAggregate? Window) : AlertCondition
{
    /// <summary>The most severe level violated by <paramref name="value"/>, or null.</summary>
    public ThresholdLevel? Violated(double value)
    {
        for (var i = Levels.Count - 1; i >= 0; i--)
        {
            if (Levels[i].IsViolated(value))
            {
                return Levels[i];
            }
        }

        return null;
    }
}

public enum ThresholdDirection
{
    Above,
    Below,
    Outside,
}

/// <summary>
/// One severity of a threshold. Strict comparisons: a standard's limit is "not exceeded" at the
/// limit itself. Without a clear threshold the level clears as soon as it is no longer violated;
/// with one (hysteresis) the value must cross the clear threshold.
/// </summary>
/// <param name="Value">The <c>above</c> or <c>below</c> limit; for <c>outside</c> the low end.</param>
/// <param name="High">For <c>outside</c> only: the high end.</param>
/// <param name="ClearBelow">An <c>above</c> (or <c>outside</c> high end) level clears below this.</param>
/// <param name="ClearAbove">A <c>below</c> (or <c>outside</c> low end) level clears above this.</param>
public sealed record ThresholdLevel(
    AlertSeverity Severity,
    ThresholdDirection Direction,
    double Value,
    double? High = null,
    double? ClearBelow = null,
    double? ClearAbove = null)
{
    public bool IsViolated(double value) => Direction switch
    {
        ThresholdDirection.Above => value > Value,
        ThresholdDirection.Below => value < Value,
        _ => value < Value || value > High!.Value,
    };

    /// <summary>Whether a firing level may resolve at <paramref name="value"/>.</summary>
    public bool IsCleared(double value) => Direction switch
    {
        ThresholdDirection.Above => value < (ClearBelow ?? double.PositiveInfinity) && !IsViolated(value),
        ThresholdDirection.Below => value > (ClearAbove ?? double.NegativeInfinity) && !IsViolated(value),
        _ => !IsViolated(value)
            && value > (ClearAbove ?? double.NegativeInfinity)
            && value < (ClearBelow ?? double.PositiveInfinity),
    };
}

public enum AggregateFunction
{
    Mean,
    Max,
    Min,
}

/// <summary>
/// A rolling window over the metric (e.g. PM2.5 24 h mean, O3 8 h moving mean). With
/// <paramref name="Bucket"/> the readings are first averaged per bucket (the standards' hourly
/// values) and <paramref name="Function"/> and <paramref name="MinCount"/> apply to those; without
/// it, to the readings. Below <paramref name="MinCount"/> the aggregate is invalid and the rule
/// neither fires nor clears (GB 3095 data validity: e.g. 20 hourly values for a daily mean).
/// </summary>
public sealed record WindowAggregate(AggregateFunction Function, TimeSpan Over, TimeSpan? Bucket, int? MinCount);

/// <summary>No reading from a device (of <see cref="AlertRule.Metric"/>, if set) for <paramref name="Silence"/>.</summary>
public sealed record DeadmanCondition(TimeSpan Silence) : AlertCondition;

/// <summary>
/// The value has not changed by more than <paramref name="Tolerance"/> for <paramref name="For"/>
/// and/or <paramref name="Readings"/> consecutive readings (both must hold when both are given).
/// </summary>
public sealed record StuckCondition(TimeSpan? For, int? Readings, double Tolerance) : AlertCondition;

/// <summary>
/// Rate of change, normalised to change per <paramref name="Per"/>: fires above
/// <paramref name="Above"/> (a rise) or below <paramref name="Below"/> (a fall, usually negative).
/// </summary>
public sealed record RateCondition(TimeSpan Per, double? Above, double? Below) : AlertCondition;

/// <summary>Whether the AQI is computed from hourly or daily (24 h) means.</summary>
public enum AqiBasis
{
    Hourly,
    Daily,
}

/// <summary>Fires when the AQI level (1–6) of a site is greater than <paramref name="AboveLevel"/>.</summary>
public sealed record AqiCondition(AqiStandard Standard, int AboveLevel, AqiBasis Basis) : AlertCondition;

/// <summary>
/// A soil pollutant whose limit depends on the soil pH (GB 15618-2018): one limit per pH band,
/// ≤ 5.5, (5.5, 6.5], (6.5, 7.5], &gt; 7.5 (<see cref="AlertProfiles.SoilPhBand"/>), the band chosen by
/// the site's latest soil pH reading. Fires above the band's limit, strictly. What a
/// <c>gb15618-*</c> profile without a fixed <c>ph</c> expands into, one rule per pollutant.
/// </summary>
/// <param name="Limits">Four limits, lowest pH band first, in the metric's catalog unit (mg/kg).</param>
public sealed record SoilPhBandCondition(IReadOnlyList<double> Limits) : AlertCondition;

/// <summary>
/// A built-in profile (<see cref="AlertProfiles"/>) with its validated parameters. The service and
/// the evaluator expand it into concrete rules with <see cref="AlertProfiles.TryExpand"/>.
/// </summary>
public sealed record ProfileCondition(string Profile, ProfileParameters Parameters) : AlertCondition;

/// <summary>Parameters of the built-in profiles; only the ones the profile takes are set.</summary>
/// <param name="Phase">GB 3095-2026: <c>transitional</c> (to 2030-12-31) or <c>final</c> (from 2031).</param>
/// <param name="WhoTarget">WHO 2021: <c>aqg</c> or <c>it-1</c>…<c>it-4</c>.</param>
/// <param name="TargetClass">GB 3838: the site's target class, 1 (I) to 5 (V).</param>
/// <param name="Lake">GB 3838: lakes and reservoirs have stricter total phosphorus limits.</param>
/// <param name="SoilValue">GB 15618: <c>screening</c> or <c>intervention</c>.</param>
/// <param name="SoilPh">GB 15618: the site's soil pH; null uses the site's latest soil pH reading.</param>
public sealed record ProfileParameters(
    string? Phase = null,
    string? WhoTarget = null,
    int? TargetClass = null,
    bool Lake = false,
    string? SoilValue = null,
    double? SoilPh = null);
