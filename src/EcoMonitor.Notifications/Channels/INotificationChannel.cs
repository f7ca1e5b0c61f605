using EcoMonitor.Notifications;

namespace EcoMonitor.Notifications.Channels;

/// <summary>
/// One configured destination (<c>Notifications:Channels:N</c>). The dispatcher hands it one
/// message at a time — a group of notifications already routed, filtered by silences, grouped
/// and rate-limited — and retries (Polly) what it throws. Implementations are stateless per
/// message, build their request from <see cref="NotificationMessage"/> and its rendering, and
/// never log a secret or a whole body at Information.
/// </summary>
internal interface INotificationChannel
{
    /// <summary>The channel's configured name (routes refer to it).</summary>
    string Name { get; }

    /// <summary>
    /// Delivers <paramref name="message"/>. Returns only when the destination accepted it. Throws
    /// <see cref="ChannelDeliveryException"/> for a refusal it understands (with whether a retry
    /// can help and when), or lets transport exceptions (<see cref="HttpRequestException"/>,
    /// timeouts, socket errors) through: the dispatcher retries those.
    /// </summary>
    Task SendAsync(NotificationMessage message, CancellationToken cancellationToken);
}

/// <summary>A destination refused a message.</summary>
public sealed class ChannelDeliveryException : Exception
{
    public ChannelDeliveryException(string message, bool retryable = true, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(message, inner)
    {
        Retryable = retryable;
        RetryAfter = retryAfter;
    }

    public ChannelDeliveryException()
        : this("delivery failed")
    {
    }

    public ChannelDeliveryException(string message)
        : this(message, true)
    {
    }

    public ChannelDeliveryException(string message, Exception innerException)
        : this(message, true, null, innerException)
    {
    }

    /// <summary>
    /// False when the same message can never succeed (e.g. the destination rejects its content):
    /// it is given up at once for this channel, logged and counted, instead of retried until it expires.
    /// </summary>
    public bool Retryable { get; }

    /// <summary>The destination said when to come back (HTTP <c>Retry-After</c>, a robot's rate-limit window).</summary>
    public TimeSpan? RetryAfter { get; }
}
