using EcoMonitor.Core.Alerting.Lifecycle;

namespace EcoMonitor.Notifications;

/// <summary>
/// What one channel sends as one message: one notification, or a group (alerts of one site within
/// the grouping window, a backlog, a settled flap). <see cref="Key"/> is stable for the same
/// content, so a destination that deduplicates can use it; each notification also carries its own
/// <see cref="AlertNotification.Key"/>.
/// </summary>
/// <param name="Rendered">Title and bodies in the channel's language and time zone.</param>
public sealed record NotificationMessage(
    string Channel,
    string Key,
    string Site,
    IReadOnlyList<AlertNotification> Notifications,
    RenderedMessage Rendered);
