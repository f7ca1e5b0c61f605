using EcoMonitor.Service.Page;

namespace Microsoft.Extensions.DependencyInjection;

public static class PageServiceCollectionExtensions
{
    /// <summary>The officers' page at <c>/</c> (docs/page.md).</summary>
    public static IServiceCollection AddEcoMonitorPage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<UiOptions, UiOptionsValidator>(configuration.GetSection(UiOptions.Section));
        return services;
    }
}
