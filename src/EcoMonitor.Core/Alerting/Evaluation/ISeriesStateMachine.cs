namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>What the evaluator needs of a per-(rule, series) machine driven by readings.</summary>
internal interface ISeriesStateMachine
{
    AlertState State { get; }

    DateTimeOffset LastReceivedAt { get; set; }

    /// <returns>False when the reading is older than the last one and was ignored.</returns>
    bool Observe(double value, long timestampMs, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions);
}
