using System.Runtime.CompilerServices;
using EcoMonitor.Notifications;

namespace EcoMonitor.Notifications.Channels;

/// <summary>
/// Builds the configured channels (<c>Notifications:Channels</c>), one instance each, once at
/// start. Each type's constructor takes its <see cref="ChannelOptions"/>; shared services come
/// from the container.
/// </summary>
internal sealed class NotificationChannelFactory(IServiceProvider services)
{
    /// <summary>The types a channel may have (docs/notifications.md#channels).</summary>
    public static IReadOnlyList<string> Types { get; } = ["webhook", "alertmanager", "dingtalk", "wecom", "feishu", "email", "mqtt", "log"];

    public INotificationChannel Create(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Type switch
        {
            "log" => ActivatorUtilities.CreateInstance<LogChannel>(services, options),
            "webhook" => ActivatorUtilities.CreateInstance<WebhookChannel>(services, options, HttpClientFor(options)),
            "dingtalk" => ActivatorUtilities.CreateInstance<DingTalkChannel>(services, options, HttpClientFor(options)),
            "wecom" => ActivatorUtilities.CreateInstance<WeComChannel>(services, options, HttpClientFor(options)),
            "feishu" => ActivatorUtilities.CreateInstance<FeishuChannel>(services, options, HttpClientFor(options)),
            "alertmanager" => ActivatorUtilities.CreateInstance<AlertmanagerChannel>(services, options, HttpClientFor(options)),
            "email" => CreateEmail(options),
            "mqtt" => ActivatorUtilities.CreateInstance<MqttChannel>(services, options),
            _ => throw new InvalidOperationException($"channel '{options.Name}': type '{options.Type}' is not built yet"),
        };
    }

    /// <summary>
    /// Its own method, not inlined: compiling <see cref="Create"/> then does not load the mail
    /// library into a service that has no e-mail channel (docs/performance.md#where-rss-goes).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private EmailChannel CreateEmail(ChannelOptions options) => ActivatorUtilities.CreateInstance<EmailChannel>(services, options);

    /// <summary>
    /// The HTTP client of a webhook or chat-robot channel: its own named client from
    /// <see cref="IHttpClientFactory"/> (<c>notifications:{name}</c>, pooled handlers), one attempt
    /// bounded by <see cref="ChannelOptions.Timeout"/>.
    /// </summary>
    private HttpClient HttpClientFor(ChannelOptions options)
    {
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("notifications:" + options.Name);
        client.Timeout = options.Timeout;
        return client;
    }
}
