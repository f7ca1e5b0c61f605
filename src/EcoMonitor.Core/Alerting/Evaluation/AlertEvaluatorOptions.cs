using System.ComponentModel.DataAnnotations;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>Tuning of <see cref="AlertEvaluator"/>; the defaults suit a single service.</summary>
public sealed class AlertEvaluatorOptions
{
    /// <summary>
    /// A transition whose event time is older than now minus this is marked
    /// <see cref="AlertTransition.Late"/>. Five minutes: longer than a normal MQTT and batching
    /// delay, shorter than any backlog a node replays after an outage.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan LateThreshold { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A threshold state that is inactive and has received nothing for this long is dropped by
    /// <see cref="AlertEvaluator.Tick"/>: it holds nothing worth keeping except the last timestamp
    /// (out-of-order detection), and devices come and go.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan IdleStateExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Hard bound on (rule, series) states. Beyond it new series are not evaluated and counted in
    /// <see cref="AlertEvaluator.UntrackedObservations"/>: a flood of invented device names must
    /// not exhaust memory. About 350 bytes a state (measured by the benchmark, windows excepted), so the default is a few hundred MB at worst.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxStates { get; set; } = 1_000_000;

    /// <summary>
    /// Values a window keeps per (rule, series): its buckets, or for a window without a bucket its
    /// readings (the oldest dropped beyond this). 1440 is a day of minutes; a rule whose window has
    /// more buckets, or a larger <c>min_count</c>, is not evaluated (listed in
    /// <see cref="AlertEvaluator.NotEvaluated"/>). At 20 bytes a bucket and 16 a reading, this is the
    /// bound on a window state's size (about 30 KB); the standards' windows need 8 or 24 buckets.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxWindowValues { get; set; } = 1440;
}
