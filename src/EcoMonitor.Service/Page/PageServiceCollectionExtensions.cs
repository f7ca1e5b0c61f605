using EcoMonitor.Service.Page;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class PageServiceCollectionExtensions
{
    /// <summary>The officers' page at <c>/</c> (docs/page.md): its options, the Razor component renderer, the live stream.</summary>
    public static IServiceCollection AddEcoMonitorPage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<PageMarker>())
        {
            return services;
        }

        services.AddValidatedOptions<UiOptions, UiOptionsValidator>(configuration.GetSection(UiOptions.Section));
        services.AddRazorComponents();
        services.AddAntiforgery();
        services.TryAddSingleton<PageMetrics>();
        services.TryAddSingleton<PageData>();
        services.TryAddSingleton<PageChanges>();
        services.TryAddSingleton<PageLiveStream>();
        services.TryAddSingleton<PageEndpoints.PageServices>();
        return services;
    }

    private sealed class PageMarker;
}
