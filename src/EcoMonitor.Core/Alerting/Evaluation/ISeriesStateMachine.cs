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

    /// <returns>False when the reading is older than the last one and was ignored.</returns>
    bool Observe(double value, long timestampMs, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions);
}
