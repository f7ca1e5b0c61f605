using EcoMonitor.Audit.Log;
using EcoMonitor.Audit.Publishing;
using EcoMonitor.Core.Audit;
using EcoMonitor.Runtime.Broker;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// The tamper-evident log (docs/audit.md): options section <c>Audit</c>, validated at start;
    /// with <c>Audit:SigningKeyFile</c> set, <see cref="IAuditTrail"/> is the <see cref="AuditLog"/>
    /// in <c>DataDirectory/audit</c> and its writer, checkpoint and publishing loops run; otherwise
    /// <see cref="AuditTrail.None"/>.
    /// </summary>
    public static IServiceCollection AddEcoMonitorAudit(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<AuditMarker>())
        {
            return services;
        }

        services.AddEcoMonitorRuntime(configuration);
        var section = configuration.GetSection(AuditOptions.Section);
        services.AddValidatedOptions<AuditOptions, AuditOptionsRangeValidator>(section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>());
        if (string.IsNullOrEmpty(section[nameof(AuditOptions.SigningKeyFile)]))
        {
            services.TryAddSingleton(AuditTrail.None);
            return services;
        }

        services.TryAddSingleton(sp => new AuditMetrics(sp.GetRequiredService<RuntimeMetrics>()));
        services.TryAddSingleton(sp => new AuditLog(
            new AuditFiles(Path.Combine(Path.GetFullPath(sp.GetRequiredService<IOptions<DataDirectoryOptions>>().Value.DataDirectory), AuditFiles.DirectoryName)),
            sp.GetRequiredService<IOptions<AuditOptions>>().Value,
            sp.GetRequiredService<AuditMetrics>(),
            sp.GetRequiredService<ILogger<AuditLog>>(),
            sp.GetRequiredService<ReadinessConditions>()));
        services.TryAddSingleton<IAuditTrail>(sp => sp.GetRequiredService<AuditLog>());
        services.AddHostedService(sp => new AuditLogService(
            sp.GetRequiredService<AuditLog>(),
            sp.GetRequiredService<IOptions<AuditOptions>>().Value,
            sp.GetRequiredService<AuditMetrics>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AuditLogService>>()));
        services.AddHostedService(sp => new CheckpointPublisher(
            sp.GetRequiredService<AuditLog>(),
            sp.GetRequiredService<IOptions<AuditOptions>>().Value,
            sp.GetRequiredService<IOptions<MqttConnectionOptions>>().Value,
            sp.GetRequiredService<BrokerClientFactory>(),
            sp.GetRequiredService<AuditMetrics>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CheckpointPublisher>>()));
        return services;
    }

    private sealed class AuditMarker;
}
