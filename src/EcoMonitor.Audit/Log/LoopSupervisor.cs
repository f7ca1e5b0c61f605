namespace EcoMonitor.Audit.Log;

/// <summary>
/// Runs an audit background loop until it ends or the token stops it: a loop that throws is
/// logged, counted under <c>ecomonitor_audit_failures_total{what=loop}</c> and run again after
/// <see cref="RestartDelay"/>, never silently ended.
/// </summary>
internal sealed partial class LoopSupervisor(AuditMetrics metrics, TimeProvider time, ILogger logger)
{
    /// <summary>Pause before a loop that threw runs again.</summary>
    internal static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(1);

    public async Task RunAsync(string loop, Func<CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await run(cancellationToken);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Supervision: whatever a loop throws is logged, counted and the loop restarted.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                metrics.Failures.WithLabels(loop).Inc();
                LogLoopFailed(logger, loop, ex);
            }

            try
            {
                await Task.Delay(RestartDelay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Logs a failure outside a loop (the last checkpoint on stop) as a loop's.</summary>
    public void Failed(string what, Exception exception) => LogLoopFailed(logger, what, exception);

    [LoggerMessage(EventId = 8210, Level = LogLevel.Error, Message = "Audit log: the {Loop} failed and is restarted")]
    private static partial void LogLoopFailed(ILogger logger, string loop, Exception exception);
}
