using System.Threading.Channels;
using EcoMonitor.Core.Alerting.Lifecycle;

namespace EcoMonitor.Notifications.Outbox;

/// <summary>
/// The outbox read as a channel reads it, for a consumer outside routing and silences (the public
/// feed, docs/feed.md#where-the-feed-gets-its-alerts): its own durable cursor, what is after it, and
/// moving it on once the consumer has made its work durable. The journal is kept until every
/// consumer is past it; the outbox bound applies to a consumer as to a channel.
/// </summary>
public interface IOutboxConsumer
{
    /// <summary>
    /// Makes <paramref name="consumer"/> known (its cursor read from disk, or started where the
    /// slowest channel is) and returns the signal that something was appended.
    /// </summary>
    ChannelReader<bool> Register(string consumer);

    /// <summary>Durable notifications after the consumer's cursor, oldest first, at most <paramref name="max"/>.</summary>
    IReadOnlyList<AlertNotification> Pending(string consumer, int max);

    /// <summary>Everything up to <paramref name="sequence"/> is done for the consumer.</summary>
    void MarkDelivered(string consumer, long sequence);
}
