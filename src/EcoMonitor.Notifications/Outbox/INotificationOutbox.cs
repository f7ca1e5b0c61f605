using EcoMonitor.Core.Alerting.Lifecycle;

namespace EcoMonitor.Notifications.Outbox;

/// <summary>
/// The port through which the alert engine hands notifications to this module: queue in memory
/// under its lock, make durable outside it, and read back what a restart must know
/// (docs/architecture.md#delivery-guarantees).
/// </summary>
public interface INotificationOutbox
{
    /// <summary>The last sequence queued (durable or not).</summary>
    long QueuedTo { get; }

    /// <summary>Notifications queued and not yet on disk (a flush under way, or failed).</summary>
    bool HasUnflushed { get; }

    /// <summary>Takes notifications (in sequence order) in memory only: no disk I/O, so the caller may hold a lock.</summary>
    void Queue(IReadOnlyList<AlertNotification> notifications);

    /// <summary>Returns once every notification up to <paramref name="sequence"/> is on disk (group commit).</summary>
    /// <exception cref="IOException">The write failed (a full disk): the notifications stay queued.</exception>
    Task FlushAsync(long sequence, CancellationToken cancellationToken);

    /// <summary>As <see cref="FlushAsync"/>, blocking.</summary>
    /// <exception cref="IOException">The write failed: the notifications stay queued.</exception>
    void Flush(long sequence);

    /// <summary>Every durable notification after <paramref name="sequence"/>, delivered or not.</summary>
    IReadOnlyList<AlertNotification> After(long sequence);

    /// <summary>The engine saved its state up to <paramref name="sequence"/>: the journal before it may be compacted.</summary>
    void SnapshotSaved(long sequence);
}
