using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Delivery;
using EcoMonitor.Notifications.Outbox;

namespace EcoMonitor.Notifications.Channels;

/// <summary>Writes each notification to the log at Warning (docs/notifications.md#log, the default channel). Fields, never secrets.</summary>
internal sealed partial class LogChannel(ChannelOptions options, ILogger<LogChannel> logger) : INotificationChannel
{
    public string Name => options.Name;

    public Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var n in message.Notifications)
        {
            LogNotification(
                logger,
                Name,
                n.State == NotificationState.Firing ? "FIRING" : "RESOLVED",
                n.Reason.ToString(),
                n.Rule,
                n.Severity.ToString().ToLowerInvariant(),
                $"{n.Site}/{n.Kind.ToName()}/{n.Device}",
                n.Metric ?? "-",
                n.Value,
                n.Threshold,
                n.StartsAt,
                n.AlertId,
                n.Late,
                n.HeldEpisodes);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "[{Channel}] {State} ({Reason}) {Rule} [{Severity}] {Sensor} {Metric}={Value} threshold {Threshold} since {StartsAt:o}; alert {AlertId}, late {Late}, held episodes {Held}")]
    private static partial void LogNotification(ILogger logger, string channel, string state, string reason, string rule, string severity, string sensor, string metric, double value, double threshold, DateTimeOffset startsAt, string alertId, bool late, int held);
}
