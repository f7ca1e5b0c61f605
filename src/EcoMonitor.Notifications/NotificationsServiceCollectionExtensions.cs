using EcoMonitor.Core.Audit;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Notifications.Delivery;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Notifications.Templates;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class NotificationsServiceCollectionExtensions
{
    /// <summary>
    /// The notification module: the outbox (and its port, <see cref="INotificationOutbox"/>),
    /// routing, templates, the channels and the dispatcher that runs a worker per channel.
    /// </summary>
    public static IServiceCollection AddEcoMonitorNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<NotificationsMarker>())
        {
            return services;
        }

        services.AddEcoMonitorRuntime(configuration);
        services.AddValidatedOptions<NotificationOptions, NotificationOptionsRangeValidator>(configuration.GetSection(NotificationOptions.Section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>());
        services.AddValidatedOptions<ResilienceTuning, ResilienceTuningValidator>(configuration.GetSection($"{NotificationOptions.Section}:Resilience"));

        // No request logging: robot tokens travel in URLs (Feishu in the path), and secrets are never logged.
        services.AddHttpClient();
        services.ConfigureHttpClientDefaults(b => b.RemoveAllLoggers());
        services.TryAddSingleton(AuditTrail.None);
        services.TryAddSingleton<NotificationMetrics>();
        services.TryAddSingleton<SilenceBook>();
        services.TryAddSingleton<ISilences>(sp => sp.GetRequiredService<SilenceBook>());
        services.TryAddSingleton<NotificationRouter>();
        services.TryAddSingleton<NotificationFormatter>();
        services.TryAddSingleton<NotificationChannelFactory>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<EcoMonitor.Runtime.Broker.IPublishedTopics, NotificationTopics>());
        services.TryAddSingleton<NotificationOutbox>();
        services.TryAddSingleton<INotificationOutbox>(sp => sp.GetRequiredService<NotificationOutbox>());
        services.TryAddSingleton<IOutboxConsumer>(sp => sp.GetRequiredService<NotificationOutbox>());
        services.AddHostedService<NotificationDispatcher>();
        return services;
    }

    private sealed class NotificationsMarker;
}
