using EcoMonitor.Service.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class HttpServiceCollectionExtensions
{
    /// <summary>The HTTP surface's options and the readiness check; the endpoints are mapped by <see cref="EndpointExtensions.MapEcoMonitorEndpoints"/>.</summary>
    public static IServiceCollection AddEcoMonitorHttp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<ApiOptions, ApiOptionsValidator>(configuration.GetSection(ApiOptions.Section));
        services.AddHealthChecks().AddCheck<ReadinessCheck>("ingest", tags: ["ready"]);
        services.AddEcoMonitorAuth(configuration);
        services.AddEcoMonitorPage(configuration);
        return services;
    }
}
