using EcoMonitor.Sensors;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class SensorsServiceCollectionExtensions
{
    /// <summary>The sensor directory (docs/sensors.md).</summary>
    public static IServiceCollection AddEcoMonitorSensors(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<SensorsMarker>())
        {
            return services;
        }

        services.AddEcoMonitorRuntime(configuration);
        return services;
    }

    private sealed class SensorsMarker;
}
