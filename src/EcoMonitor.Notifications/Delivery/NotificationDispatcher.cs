using EcoMonitor.Core.Audit;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Notifications.Templates;
using EcoMonitor.Runtime.Health;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Notifications.Delivery;

/// <summary>
/// Runs one <see cref="ChannelWorker"/> per configured channel (a <c>log</c> channel when none is
/// configured), side by side: a slow or broken channel delays nobody else. Channels that must
/// repeat themselves (<see cref="IPeriodicChannel"/>, e.g. Alertmanager) get their ticks here.
/// Every loop runs under a <see cref="ChannelSupervisor"/>: one that throws is restarted, and each
/// channel's health shows in <c>/health/ready</c> (docs/notifications.md, "Supervision").
/// </summary>
internal sealed partial class NotificationDispatcher(
    NotificationOutbox outbox,
    NotificationChannelFactory factory,
    NotificationRouter router,
    NotificationFormatter formatter,
    IOptions<NotificationOptions> options,
    IOptions<ResilienceTuning> tuning,
    TimeProvider time,
    NotificationMetrics metrics,
    ReadinessConditions conditions,
    ILoggerFactory loggers,
    IAuditTrail trail) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger<NotificationDispatcher>();
        var channels = new List<INotificationChannel>();
        var runs = new List<Task>();
        var supervisor = new ChannelSupervisor(tuning.Value, time, metrics, conditions, loggers.CreateLogger<ChannelSupervisor>());
        try
        {
            foreach (var channelOptions in options.Value.EffectiveChannels())
            {
                var health = supervisor.Track(channelOptions.Name);
                INotificationChannel channel;
                ChannelWorker worker;
                try
                {
                    channel = factory.Create(channelOptions);
                    channels.Add(channel);
                    worker = new ChannelWorker(channel, channelOptions, outbox, router, formatter, options.Value, tuning.Value, time, metrics, loggers.CreateLogger<ChannelWorker>(), health, trail);
                }
#pragma warning disable CA1031 // One channel that cannot be built must not keep the others from delivering.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    health.SetUpFailed(ex, time.GetUtcNow());
                    LogCreateFailed(logger, ex, channelOptions.Name);
                    continue;
                }

                // The same worker is restarted, so what it already sent is not sent again.
                runs.Add(supervisor.RunAsync(channel.Name, "delivery", worker.RunAsync, stoppingToken));
                if (channel is IPeriodicChannel periodic)
                {
                    runs.Add(supervisor.RunAsync(channel.Name, "resend", ct => TickAsync(periodic, channel.Name, logger, ct), stoppingToken));
                }
            }

            await Task.WhenAll(runs);
        }
        finally
        {
            foreach (var channel in channels)
            {
                if (channel is IAsyncDisposable asyncDisposable)
                {
                    await asyncDisposable.DisposeAsync();
                }
                else if (channel is IDisposable disposable)
                {
                    disposable.Dispose();
                }
            }
        }
    }

    private async Task TickAsync(IPeriodicChannel channel, string name, ILogger logger, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(channel.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await channel.TickAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The next tick tries again; notifications themselves go through the worker.
                    LogTickFailed(logger, ex, name);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 7213, Level = LogLevel.Error, Message = "Channel {Channel} could not be set up; it delivers nothing until the service is restarted")]
    private static partial void LogCreateFailed(ILogger logger, Exception exception, string channel);

    [LoggerMessage(EventId = 7210, Level = LogLevel.Warning, Message = "Channel {Channel}: periodic resend failed")]
    private static partial void LogTickFailed(ILogger logger, Exception exception, string channel);
}
