using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Sensors;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class SensorsServiceCollectionExtensions
{
    /// <summary>
    /// The sensor directory (docs/sensors.md): one of the ingest path's readings observers and its
    /// status observer, its clock and saved file. Deadman silences come from an
    /// <see cref="IDeadmanIntervals"/> the host may register (the alert rules); without one,
    /// <c>Sensors:StaleAfter</c> applies to every device.
    /// </summary>
    public static IServiceCollection AddEcoMonitorSensors(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<SensorsMarker>())
        {
            return services;
        }

        services.AddEcoMonitorRuntime(configuration);
        services.AddEcoMonitorDecoding(configuration);
        services.AddValidatedOptions<SensorOptions, SensorOptionsValidator>(configuration.GetSection(SensorOptions.Section));
        services.TryAddSingleton<SensorMetrics>();
        services.TryAddSingleton<SensorStateStore>();
        services.TryAddSingleton<IDeadmanIntervals, NoDeadmanIntervals>();
        services.TryAddSingleton<SensorDirectory>();
        services.TryAddSingleton<ISensorDirectory>(sp => sp.GetRequiredService<SensorDirectory>());
        services.AddSingleton<IAcceptedReadingsObserver>(sp => sp.GetRequiredService<SensorDirectory>());
        services.AddSingleton<INodeStatusObserver>(sp => sp.GetRequiredService<SensorDirectory>());
        services.AddHostedService<SensorTicker>();
        return services;
    }

    private sealed class SensorsMarker;
}
