using System.ComponentModel.DataAnnotations;

namespace EcoMonitor.Core.Alerting.Lifecycle;

/// <summary>How the alert book turns transitions into notifications (section <c>Alerts</c>).</summary>
public sealed class AlertBookOptions
{
    /// <summary>
    /// A firing alert nobody acknowledged is notified again after this long (Alertmanager's
    /// <c>repeat_interval</c> default). Zero: never repeat.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan RepeatInterval { get; set; } = TimeSpan.FromHours(4);

    /// <summary>A series that starts firing <see cref="FlapStarts"/> times within this (event time) is flapping.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan FlapWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Firing starts within <see cref="FlapWindow"/> that make a series flapping; 0 turns detection off.</summary>
    [Range(0, 1000)]
    public int FlapStarts { get; set; } = 4;

    /// <summary>A flapping series that has not changed for this long has settled: its state is sent, and holding ends.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan FlapQuiet { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Late transitions (a replayed backlog) are held until no late transition has come for this
    /// long, then sent together as one group per site, each series summarised by its final state.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan LateGroupWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest a late transition is held while the backlog keeps coming.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan LateGroupMaxHold { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Resolved alerts kept for <c>/api/alerts</c> (the store keeps every transition).</summary>
    [Range(0, 1_000_000)]
    public int RecentResolved { get; set; } = 1000;
}
