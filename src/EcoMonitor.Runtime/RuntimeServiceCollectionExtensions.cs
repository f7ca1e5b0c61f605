using EcoMonitor.Runtime.Broker;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class RuntimeServiceCollectionExtensions
{
    /// <summary>
    /// What every concern runs on: the clock, the data directory, readiness conditions, the metrics
    /// registry and the broker connection (docs/architecture.md#projects).
    /// </summary>
    public static IServiceCollection AddEcoMonitorRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<RuntimeMarker>())
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedOptions<DataDirectoryOptions, DataDirectoryOptionsValidator>(configuration);
        services.AddValidatedOptions<MqttConnectionOptions, MqttConnectionOptionsValidator>(configuration.GetSection(MqttConnectionOptions.Section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttConnectionOptions>, BrokerTlsOptionsValidator<MqttConnectionOptions>>());
        services.TryAddSingleton<RuntimeMetrics>();
        services.TryAddSingleton<ReadinessConditions>();
        services.TryAddSingleton<BrokerClientFactory>();
        return services;
    }

    /// <summary>
    /// True when <typeparamref name="TMarker"/> was registered before; registers it otherwise. Each
    /// <c>AddEcoMonitorXxx</c> runs once however often it is called: binding a section twice would
    /// append its lists twice (subscriptions, channels).
    /// </summary>
    public static bool IsRegistered<TMarker>(this IServiceCollection services)
        where TMarker : class, new()
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(TMarker)))
        {
            return true;
        }

        services.AddSingleton(new TMarker());
        return false;
    }

    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, validated with
    /// <typeparamref name="TValidator"/> when the host starts: a bad value stops the start with its
    /// reason instead of failing later, where the code that uses it first runs.
    /// </summary>
    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services;
    }

    private sealed class RuntimeMarker;
}
