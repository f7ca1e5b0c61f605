using EcoMonitor.Runtime.Broker;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Notifications.Channels;

/// <summary>The topics the mqtt channels publish to: <c>{TopicPrefix}/#</c> each.</summary>
internal sealed class NotificationTopics(IOptions<NotificationOptions> options) : IPublishedTopics
{
    public IEnumerable<string> Filters =>
        options.Value.EffectiveChannels()
            .Where(c => string.Equals(c.Type, "mqtt", StringComparison.OrdinalIgnoreCase))
            .Select(c => c.TopicPrefix.TrimEnd('/') + "/#");
}
