using System.ComponentModel.DataAnnotations;

namespace EcoMonitor.Service.Notifications;

/// <summary>Section <c>Notifications</c> (DESIGN §6, §7b). Channels and routes come with the notification module.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>
    /// Disk bound of the outbox. Delivered notifications are compacted away first; if undelivered
    /// ones alone exceed it, the oldest are expired: logged at error and counted in
    /// <c>ecomonitor_notifications_expired_total</c> (a full disk must not stop ingestion).
    /// </summary>
    [Range(64 * 1024L, long.MaxValue)]
    public long OutboxMaxBytes { get; set; } = 256L * 1024 * 1024;
}
