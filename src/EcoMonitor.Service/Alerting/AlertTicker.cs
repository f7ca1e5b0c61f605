using System.Threading.Channels;
using EcoMonitor.Service.Ingestion;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Alerting;

/// <summary>
/// Runs the alert engine's clock: restores its state at start (before the consumer receives
/// anything), ticks every <c>Alerts:TickInterval</c> (silent devices, repeats, backlog groups,
/// a changed rules file, periodic saves) and sends what the tick found to the store with the
/// readings; saves the state on a graceful stop. Registered before the MQTT consumer, so it
/// stops after it: the final save follows the drain.
/// </summary>
public sealed class AlertTicker(AlertPipeline alerts, IngestQueue queue, IOptions<AlertOptions> options, TimeProvider time) : BackgroundService
{
    private static readonly Func<CancellationToken, Task> NothingToAcknowledge = _ => Task.CompletedTask;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        alerts.Start();
        return base.StartAsync(cancellationToken);
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
                var lines = alerts.Tick();
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
}
