namespace EcoMonitor.Service.Notifications.Channels;

/// <summary>
/// Builds the configured channels (<c>Notifications:Channels</c>), one instance each, once at
/// start. Each type's constructor takes its <see cref="ChannelOptions"/>; shared services come
/// from the container.
/// </summary>
public sealed class NotificationChannelFactory(IServiceProvider services)
{
    /// <summary>The types a channel may have (DESIGN §7b).</summary>
    public static IReadOnlyList<string> Types { get; } = ["webhook", "alertmanager", "dingtalk", "wecom", "feishu", "email", "mqtt", "log"];

    public INotificationChannel Create(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Type switch
        {
            "log" => ActivatorUtilities.CreateInstance<LogChannel>(services, options),
            _ => throw new InvalidOperationException($"channel '{options.Name}': type '{options.Type}' is not built yet"),
        };
    }
}
