using EcoMonitor.Core.Audit;
using EcoMonitor.Sensors;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EcoMonitor.Service.Hosting;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The running service, composed of its concerns (docs/architecture.md#projects).
    /// </summary>
    /// <remarks>
    /// Hosted services stop in reverse order of registration, so the order here is the shutdown
    /// order backwards: the MQTT consumer stops first (it drains the queue through the writer
    /// before disconnecting), then the alert ticker and the notification dispatcher, then the
    /// batch writer, then the spool replayer.
    /// </remarks>
    public static IServiceCollection AddEcoMonitorService(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddEcoMonitorRuntime(configuration);

        // First, so the trail every other concern appends to is the log, and the log stops last.
        services.AddEcoMonitorAudit(configuration);

        // Next to start, after the log: the config record opens each run's part of the audit trail.
        services.AddHostedService(sp => new ConfigurationAuditor(configuration, sp.GetRequiredService<IAuditTrail>(), sp.GetRequiredService<TimeProvider>()));

        // Before anything subscribes: an instance whose alert state a shared group would split does not start.
        services.AddHostedService<ScaleOutGuard>();
        services.AddEcoMonitorStorage(configuration);
        services.AddEcoMonitorNotifications(configuration);
        services.AddEcoMonitorAlerting(configuration);
        services.TryAddSingleton<IDeadmanIntervals, RuleDeadmanIntervals>();
        services.AddEcoMonitorSensors(configuration);
        services.AddEcoMonitorFeed(configuration);
        services.AddEcoMonitorIngest(configuration);
        services.AddEcoMonitorHttp(configuration);
        return services;
    }
}
