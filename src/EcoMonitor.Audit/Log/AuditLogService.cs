namespace EcoMonitor.Audit.Log;

/// <summary>
/// Runs the log (docs/audit.md): opens it when the host starts (a log that cannot be opened stops
/// the start), then supervises the writer and the checkpoint loop: a loop that throws is logged,
/// counted and restarted. On stop, what is queued is written and a last checkpoint signed.
/// </summary>
internal sealed partial class AuditLogService(AuditLog log, AuditOptions options, AuditMetrics metrics, TimeProvider time, ILogger<AuditLogService> logger) : BackgroundService
{
    /// <summary>Pause before a loop that threw runs again.</summary>
    internal static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(1);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        log.Open();
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        log.Complete();
        await base.StopAsync(cancellationToken);
    }

    /// <summary>One checkpoint round per interval, while the log grows.</summary>
    internal async Task RunCheckpointsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(options.CheckpointInterval, time, cancellationToken);
            log.WriteCheckpointIfGrown();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The writer ends when the log is completed and its queue drained, not on the token:
        // what was queued before the stop is still written.
        var writer = SuperviseAsync("writer-loop", log.RunWriterAsync, CancellationToken.None);
        var checkpoints = SuperviseAsync("checkpoint-loop", RunCheckpointsAsync, stoppingToken);
        await writer;
        await checkpoints;
        try
        {
            log.WriteCheckpointIfGrown();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogLoopFailed(logger, "final checkpoint", ex);
        }
    }

    internal async Task SuperviseAsync(string loop, Func<CancellationToken, Task> run, CancellationToken cancellationToken)
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

    [LoggerMessage(EventId = 8210, Level = LogLevel.Error, Message = "Audit log: the {Loop} failed and is restarted")]
    private static partial void LogLoopFailed(ILogger logger, string loop, Exception exception);
}
