using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Readings;
using EcoMonitor.Service.Observability;

namespace EcoMonitor.Service.Notifications;

/// <summary>
/// Takes notifications from the outbox and delivers them, then moves the delivered cursor. The
/// channel today is the log (DESIGN §6 default "log only"); chat robots, e-mail, webhooks and
/// Alertmanager plug in here with the notification module.
/// </summary>
public sealed partial class NotificationDispatcher(NotificationOutbox outbox, IngestMetrics metrics, ILogger<NotificationDispatcher> logger) : BackgroundService
{
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            do
            {
                while (outbox.Pending(BatchSize) is { Count: > 0 } batch)
                {
                    foreach (var n in batch)
                    {
                        Log(n);
                    }

                    outbox.MarkDelivered(batch[^1].Sequence);
                    metrics.NotificationsSent.WithLabels("log").Inc(batch.Count);
                }
            }
            while (await outbox.Appended.WaitToReadAsync(stoppingToken) && outbox.Appended.TryRead(out _));
        }
        catch (OperationCanceledException)
        {
            // Stopping; what is not delivered stays in the outbox for the next start.
        }
    }

    private void Log(AlertNotification n) => LogNotification(
        logger,
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

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "{State} ({Reason}) {Rule} [{Severity}] {Sensor} {Metric}={Value} threshold {Threshold} since {StartsAt:o}; alert {AlertId}, late {Late}, held episodes {Held}")]
    private static partial void LogNotification(ILogger logger, string state, string reason, string rule, string severity, string sensor, string metric, double value, double threshold, DateTimeOffset startsAt, string alertId, bool late, int held);
}
