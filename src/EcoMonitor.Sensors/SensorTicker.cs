using Microsoft.Extensions.Options;

namespace EcoMonitor.Sensors;

/// <summary>
/// Runs the directory's clock: restores it at start (before the consumer receives anything),
/// ticks every <c>Sensors:TickInterval</c> (statuses by age, forgetting, gauges, periodic saves),
/// saves it on a graceful stop. Registered before the MQTT consumer, so it stops after it: the
/// final save follows the drain.
/// </summary>
/// <remarks>Supervised: a tick that throws is logged and counted, and the next one runs as usual.</remarks>
internal sealed partial class SensorTicker(
    SensorDirectory directory,
    IOptions<SensorOptions> options,
    TimeProvider time,
    SensorMetrics metrics,
    ILogger<SensorTicker> logger) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        directory.Restore();
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        directory.Save();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.TickInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    directory.Tick();
                }
#pragma warning disable CA1031 // Whatever a tick throws, the clock must go on.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    metrics.TickFailures.Inc();
                    LogTickFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 7810, Level = LogLevel.Error, Message = "Sensor directory tick failed; the next tick runs as usual")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
