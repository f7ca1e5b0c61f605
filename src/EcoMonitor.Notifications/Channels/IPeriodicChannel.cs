
namespace EcoMonitor.Notifications.Channels;

/// <summary>
/// A channel that needs to act on a timer as well as on messages, e.g. Alertmanager, which resolves
/// an alert it has not heard of for its <c>resolve_timeout</c> and so wants firing alerts sent
/// again. The dispatcher calls <see cref="TickAsync"/> every <see cref="Interval"/> while the
/// channel is configured, one call at a time per channel.
/// </summary>
internal interface IPeriodicChannel
{
    /// <summary>How often <see cref="TickAsync"/> is called.</summary>
    TimeSpan Interval { get; }

    /// <summary>
    /// Does the periodic work. Throws as <see cref="INotificationChannel.SendAsync"/> does
    /// (<see cref="ChannelDeliveryException"/> or a transport exception); the dispatcher logs it
    /// and tries again at the next tick, since a tick repeats state rather than delivering a
    /// notification of its own.
    /// </summary>
    Task TickAsync(CancellationToken cancellationToken);
}
