namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// Lifecycle of one (rule, series): inactive → pending → firing → resolved. <see cref="Resolved"/>
/// only ever appears as the target of a transition: a resolved alert is back to
/// <see cref="Inactive"/> at once, so the next episode starts from a clean state.
/// </summary>
public enum AlertState
{
    Inactive,
    Pending,
    Firing,
    Resolved,
}
