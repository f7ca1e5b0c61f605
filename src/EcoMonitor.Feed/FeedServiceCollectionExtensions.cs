using EcoMonitor.Feed;
using EcoMonitor.Feed.Publishing;
using EcoMonitor.Feed.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class FeedServiceCollectionExtensions
{
    /// <summary>The public early-warning feed (docs/feed.md): options, the store, the publishing loop on the outbox, the reader HTTP serves.</summary>
    public static IServiceCollection AddEcoMonitorFeed(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<FeedMarker>())
        {
            return services;
        }

        services.AddEcoMonitorRuntime(configuration);
        services.AddEcoMonitorNotifications(configuration);
        services.AddValidatedOptions<FeedOptions, FeedOptionsRangeValidator>(configuration.GetSection(FeedOptions.Section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<FeedOptions>, FeedOptionsValidator>());
        services.TryAddSingleton(EcoMonitor.Core.Audit.AuditTrail.None);
        services.TryAddSingleton<FeedMetrics>();
        services.TryAddSingleton<FeedStore>();
        services.TryAddSingleton<FeedPublisher>();
        services.TryAddSingleton(sp => new FeedReader(sp.GetRequiredService<FeedPublisher>(), sp.GetRequiredService<FeedMetrics>()));
        services.AddHostedService(sp => sp.GetRequiredService<FeedPublisher>());
        return services;
    }

    private sealed class FeedMarker;
}
