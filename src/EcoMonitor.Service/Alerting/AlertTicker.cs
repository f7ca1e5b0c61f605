using System.Threading.Channels;
using EcoMonitor.Service.Ingestion;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Alerting;

/// <summary>Looks for silent devices every <c>Alerts:TickInterval</c> and sends what it finds to the store with the readings.</summary>
public sealed class AlertTicker(AlertPipeline alerts, IngestQueue queue, IOptions<AlertOptions> options, TimeProvider time) : BackgroundService
{
    private static readonly Func<CancellationToken, Task> NothingToAcknowledge = _ => Task.CompletedTask;

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
