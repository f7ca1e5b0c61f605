namespace Microsoft.Extensions.DependencyInjection;

public static class FeedServiceCollectionExtensions
{
    /// <summary>The public early-warning feed (docs/feed.md).</summary>
    public static IServiceCollection AddEcoMonitorFeed(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<FeedMarker>())
        {
            return services;
        }

        services.AddEcoMonitorRuntime(configuration);
        return services;
    }

    private sealed class FeedMarker;
}
