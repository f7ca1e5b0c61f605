using EcoMonitor.Alerting;
using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Audit;
using EcoMonitor.Ingest.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class AlertingServiceCollectionExtensions
{
    /// <summary>
    /// The alert engine: the rules file, the pipeline that watches the accepted readings (one of
    /// the ingest path's <see cref="IAcceptedReadingsObserver"/>s), the saved state
    /// and the ticker. Notifications go to the outbox registered by <c>AddEcoMonitorNotifications</c>.
    /// </summary>
    public static IServiceCollection AddEcoMonitorAlerting(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<AlertingMarker>())
        {
            return services;
        }

        services.AddEcoMonitorRuntime(configuration);
        services.AddValidatedOptions<AlertOptions, AlertOptionsValidator>(configuration.GetSection(AlertOptions.Section));
        services.AddValidatedOptions<AlertEvaluatorOptions, AlertEvaluatorOptionsValidator>(configuration.GetSection($"{AlertOptions.Section}:Evaluator"));
        services.AddValidatedOptions<AlertBookOptions, AlertBookOptionsValidator>(configuration.GetSection($"{AlertOptions.Section}:Lifecycle"));
        services.TryAddSingleton(AuditTrail.None);
        services.TryAddSingleton<AlertMetrics>();
        services.TryAddSingleton<AlertRuleSet>();
        services.TryAddSingleton<NotificationDescriber>();
        services.TryAddSingleton(sp => new AlertBook(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<AlertBookOptions>>().Value));
        services.TryAddSingleton<AlertStateStore>();
        services.TryAddSingleton<AlertPipeline>();
        services.AddSingleton<IAcceptedReadingsObserver>(sp => sp.GetRequiredService<AlertPipeline>());
        services.AddHostedService<AlertTicker>();
        return services;
    }

    private sealed class AlertingMarker;
}
