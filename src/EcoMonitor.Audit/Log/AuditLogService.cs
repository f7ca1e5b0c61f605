namespace EcoMonitor.Audit.Log;

/// <summary>
/// Runs the log (docs/audit.md): opens it when the host starts (a log that cannot be opened stops
/// the start), then supervises the writer and the checkpoint loop: a loop that throws is logged,
/// counted and restarted. On stop, what is queued is written and a last checkpoint signed.
/// The writer runs on its own task, started with the log.
/// </summary>
internal sealed class AuditLogService(AuditLog log, AuditOptions options, AuditMetrics metrics, TimeProvider time, ILogger<AuditLogService> logger) : BackgroundService
{
    /// <summary>Pause before a loop that threw runs again.</summary>
    internal static readonly TimeSpan RestartDelay = LoopSupervisor.RestartDelay;

    private readonly LoopSupervisor _supervisor = new(metrics, time, logger);
    private Task? _writer;
    private int _checkpointRounds;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        log.Open();

        // Its own task, not ExecuteAsync's: a stop right after the start may cancel ExecuteAsync
        // before it runs, and the writer must still drain what was queued. It ends when the log
        // is completed and its queue empty, not on a token.
        _writer = Task.Run(() => SuperviseAsync("writer-loop", log.RunWriterAsync, CancellationToken.None), CancellationToken.None);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        log.Complete();
        await base.StopAsync(cancellationToken);
        if (_writer is not null)
        {
            await _writer.WaitAsync(cancellationToken);
        }

        try
        {
            log.WriteCheckpointIfGrown();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _supervisor.Failed("final checkpoint", ex);
        }
    }

    /// <summary>One checkpoint round per interval, while the log grows.</summary>
    internal async Task RunCheckpointsAsync(CancellationToken cancellationToken)
    {
        // A periodic timer keeps its rhythm while a round runs: a tick that comes meanwhile is
        // taken next, not lost.
        using var timer = new PeriodicTimer(options.CheckpointInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            log.WriteCheckpointIfGrown();
            Interlocked.Increment(ref _checkpointRounds);
        }
    }

    /// <summary>Checkpoint rounds done (whether or not they signed one), for tests to wait on.</summary>
    internal int CheckpointRounds => Volatile.Read(ref _checkpointRounds);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        SuperviseAsync("checkpoint-loop", RunCheckpointsAsync, stoppingToken);

    internal Task SuperviseAsync(string loop, Func<CancellationToken, Task> run, CancellationToken cancellationToken) =>
        _supervisor.RunAsync(loop, run, cancellationToken);
}
