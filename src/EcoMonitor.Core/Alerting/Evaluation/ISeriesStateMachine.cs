using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>What the evaluator needs of a per-(rule, series) machine driven by readings.</summary>
internal interface ISeriesStateMachine
{
    AlertState State { get; }

    DateTimeOffset LastReceivedAt { get; set; }

    /// <summary>
    /// How far back in event time the state's evidence reaches (a window's length): an idle
    /// inactive state is kept at least this long, so a slow series does not lose its window.
    /// </summary>
    TimeSpan History => TimeSpan.Zero;

    /// <summary>
    /// One reading routed to this state. Single-metric machines take its value and timestamp; the
    /// AQI machine also needs its metric, which is why the reading is passed whole.
    /// </summary>
    /// <returns>False when the reading is older than the last one and was ignored.</returns>
    bool Observe(Reading reading, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions);

    /// <summary>Writes the state's fields (not its rule or series: the snapshot holds those).</summary>
    void Save(SeriesStateWriter writer);

    /// <summary>Reads back what <see cref="Save"/> wrote into a fresh machine of the same rule.</summary>
    void Restore(SeriesStateReader reader);

    /// <summary>
    /// Makes the lifecycle agree with the alert book after a crash: firing at
    /// <paramref name="firing"/>'s level, or not firing when null. Evidence (windows, runs,
    /// timers) is kept; only what is firing changes, emitting nothing.
    /// </summary>
    void Align(AlertSeverity? firing);
}
