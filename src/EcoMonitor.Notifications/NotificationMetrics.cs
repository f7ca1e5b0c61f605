using EcoMonitor.Runtime.Telemetry;
using Prometheus;

namespace EcoMonitor.Notifications;

/// <summary>The counters of the notification module, exported on <c>/metrics</c>.</summary>
internal sealed class NotificationMetrics
{
    private readonly RuntimeMetrics _runtime;

    public NotificationMetrics(RuntimeMetrics runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _runtime = runtime;
        var factory = runtime.Factory;
        SilenceChanges = factory.CreateCounter("ecomonitor_silence_changes_total", "Silences created or expired through /api/silences, by change.", ["change"]);
        NotificationsQueued = factory.CreateCounter("ecomonitor_notifications_queued_total", "Notifications made durable in the outbox.");
        NotificationsSent = factory.CreateCounter("ecomonitor_notifications_sent_total", "Notifications delivered, by channel.", ["channel"]);
        NotificationsPending = factory.CreateGauge("ecomonitor_notifications_pending", "Notifications in the outbox not yet done for a channel.", ["channel"]);
        NotificationsFailed = factory.CreateCounter("ecomonitor_notifications_failed_total", "Failed delivery attempts of a message, by channel (each retry counts).", ["channel"]);
        NotificationsGivenUp = factory.CreateCounter("ecomonitor_notifications_given_up_total", "Notifications a channel refused for good (not retryable), by channel.", ["channel"]);
        NotificationsSkipped = factory.CreateCounter("ecomonitor_notifications_skipped_total", "Notifications not sent to a channel: no route to it, or silenced.", ["channel", "reason"]);
        NotificationMessages = factory.CreateCounter("ecomonitor_notification_messages_total", "Messages sent (a message carries one notification or a group), by channel.", ["channel"]);
        NotificationsExpired = factory.CreateCounter("ecomonitor_notifications_expired_total", "Notifications given up for a channel by the expiry policy (Notifications:MaxAge, or the outbox bound).", ["channel"]);
        NotificationWorkerRestarts = factory.CreateCounter("ecomonitor_notification_worker_restarts_total", "Times a channel's delivery or resend loop threw and was restarted after a backoff, by channel.", ["channel"]);
    }

    /// <summary>Silences created or expired through the API, by <c>change</c>.</summary>
    public Counter SilenceChanges { get; }

    /// <summary>Label <c>store</c>: one of <see cref="Runtime.Health.DiskStores"/>.</summary>
    public Counter DiskWriteFailures => _runtime.DiskWriteFailures;

    public Counter NotificationsQueued { get; }

    public Counter NotificationsSent { get; }

    public Gauge NotificationsPending { get; }

    public Counter NotificationsFailed { get; }

    public Counter NotificationsGivenUp { get; }

    public Counter NotificationsSkipped { get; }

    public Counter NotificationMessages { get; }

    public Counter NotificationsExpired { get; }

    public Counter NotificationWorkerRestarts { get; }
}
