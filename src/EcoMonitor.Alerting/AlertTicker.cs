using System.Threading.Channels;
using EcoMonitor.Ingest.Ingestion;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Alerting;

/// <summary>
/// Runs the alert engine's clock: restores its state at start (before the consumer receives
/// anything), ticks every <c>Alerts:TickInterval</c> (silent devices, repeats, backlog groups,
/// a changed rules file, periodic saves) and sends what the tick found to the store with the
/// readings; saves the state on a graceful stop. Registered before the MQTT consumer, so it
/// stops after it: the final save follows the drain.
/// </summary>
/// <remarks>
/// Supervised: a tick that throws is logged and counted, and the next tick runs as usual; a loop
/// that ended there would stop deadman alerts, repeats and saves without a word.
/// </remarks>
internal sealed partial class AlertTicker(
    AlertPipeline alerts,
    IngestQueue queue,
    IOptions<AlertOptions> options,
    TimeProvider time,
    AlertMetrics metrics,
    ILogger<AlertTicker> logger) : BackgroundService
{
    private static readonly Func<CancellationToken, Task> NothingToAcknowledge = _ => Task.CompletedTask;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        alerts.Start();
        await AppendAuditAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        alerts.Save();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.TickInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                IReadOnlyList<string> lines;
                try
                {
                    lines = alerts.Tick();
                }
#pragma warning disable CA1031 // Whatever a tick throws, the clock must go on.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    metrics.AlertTickFailures.Inc();
                    LogTickFailed(logger, ex);
                    continue;
                }

                await AppendAuditAsync(stoppingToken);
                if (lines.Count > 0)
                {
                    await queue.EnqueueAsync(new IngestEnvelope("(alerts)", [], NothingToAcknowledge, lines), stoppingToken);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // Stopping.
        }
    }

    /// <summary>The rules loads and tick transitions for the audit trail; kept for the next tick when it refuses them.</summary>
    private async Task AppendAuditAsync(CancellationToken cancellationToken)
    {
        try
        {
            await alerts.AppendPendingAuditAsync(cancellationToken);
        }
#pragma warning disable CA1031 // The records stay queued; the clock must go on.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            LogAuditFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 8310, Level = LogLevel.Error, Message = "The audit trail refuses the alert engine's records; they are appended again at the next tick")]
    private static partial void LogAuditFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6110, Level = LogLevel.Error, Message = "Alert tick failed; the next tick runs as usual")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
