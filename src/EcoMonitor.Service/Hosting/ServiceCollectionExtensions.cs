using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Validation;
using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Service.Alerting;
using EcoMonitor.Service.DeadLetters;
using EcoMonitor.Service.Http;
using EcoMonitor.Service.Ingestion;
using EcoMonitor.Service.Mqtt;
using EcoMonitor.Service.Notifications;
using EcoMonitor.Service.Notifications.Channels;
using EcoMonitor.Service.Notifications.Delivery;
using EcoMonitor.Service.Notifications.Routing;
using EcoMonitor.Service.Notifications.Templates;
using EcoMonitor.Service.Observability;
using EcoMonitor.Service.Storage;
using EcoMonitor.Service.Storage.Spool;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Hosting;

public static class ServiceCollectionExtensions
{
    /// <summary>Decoding and validation: what the service and the <c>decode</c> command share.</summary>
    public static IServiceCollection AddEcoMonitorIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        services.AddOptions<CatalogOptions>().Bind(configuration.GetSection(CatalogOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CatalogOptions>, CatalogOptionsValidator>();

        services.AddOptions<MqttOptions>().Bind(configuration.GetSection(MqttOptions.Section));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<CatalogOptions>>().Value.Build());
        services.AddSingleton(PayloadFormats.Default);
        services.AddSingleton(sp => new ReadingValidator(
            sp.GetRequiredService<Core.Catalog.MetricCatalog>(),
            sp.GetRequiredService<IOptions<IngestOptions>>().Value.Validation));
        services.AddSingleton(sp => new MessageIngestor(
            sp.GetRequiredService<PayloadFormats>(),
            sp.GetRequiredService<ReadingValidator>(),
            sp.GetRequiredService<IOptions<IngestOptions>>().Value.Limits));
        return services;
    }

    /// <summary>The running service: MQTT consumer → handler → queue → batch writer → store.</summary>
    public static IServiceCollection AddEcoMonitorService(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddEcoMonitorIngestion(configuration);

        services.AddOptions<EcoMonitorOptions>().Bind(configuration).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EcoMonitorOptions>, EcoMonitorOptionsValidator>();
        services.AddOptions<MqttOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>();
        services.AddSingleton<IValidateOptions<MqttOptions>, MqttSubscriptionsValidator>();
        services.AddOptions<InfluxOptions>().Bind(configuration.GetSection(InfluxOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<InfluxOptions>, InfluxOptionsValidator>();
        services.AddOptions<DeadLetterOptions>().Bind(configuration.GetSection(DeadLetterOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeadLetterOptions>, DeadLetterOptionsValidator>();
        services.AddOptions<AlertOptions>().Bind(configuration.GetSection(AlertOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertOptions>, AlertOptionsValidator>();
        services.AddOptions<AlertEvaluatorOptions>().Bind(configuration.GetSection($"{AlertOptions.Section}:Evaluator")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertEvaluatorOptions>, AlertEvaluatorOptionsValidator>();
        services.AddOptions<AlertBookOptions>().Bind(configuration.GetSection($"{AlertOptions.Section}:Lifecycle")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertBookOptions>, AlertBookOptionsValidator>();
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsRangeValidator>();
        services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();
        services.AddOptions<ResilienceTuning>().Bind(configuration.GetSection($"{NotificationOptions.Section}:Resilience")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ResilienceTuning>, ResilienceTuningValidator>();
        // No request logging: robot tokens travel in URLs (Feishu in the path), and secrets are never logged.
        services.AddHttpClient();
        services.ConfigureHttpClientDefaults(b => b.RemoveAllLoggers());
        services.AddSingleton<NotificationRouter>();
        services.AddSingleton<NotificationFormatter>();
        services.AddSingleton<NotificationChannelFactory>();
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        services.AddSingleton<AlertRuleSet>();
        services.AddSingleton(sp => new AlertBook(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<AlertBookOptions>>().Value));
        services.AddSingleton<AlertStateStore>();
        services.AddSingleton<NotificationOutbox>();
        services.AddSingleton<AlertPipeline>();
        services.AddOptions<SpoolOptions>().Bind(configuration.GetSection(SpoolOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SpoolOptions>, SpoolOptionsValidator>();

        services.AddSingleton<IngestMetrics>();
        services.AddSingleton<StoreHealth>();
        services.AddSingleton<ReadinessConditions>();
        services.AddSingleton<MqttConnectionState>();
        services.AddSingleton<DeadLetterStore>();
        services.AddSingleton<IDeadLetterSink, DeadLetterStoreSink>();
        services.AddSingleton<DeadLetterRepublisher>();
        services.AddSingleton<IngestQueue>();
        services.AddSingleton<DuplicateTracker>();
        services.AddSingleton<MessageHandler>();
        services.AddSingleton<StoreWritePipeline>();
        services.AddSingleton<MqttReconnectPipeline>();
        services.AddSingleton<SubscriptionStateFile>();
        services.TryAddSingleton<IPointWriter, InfluxPointWriter>();
        services.AddSingleton<StoreWriter>();
        services.AddSingleton<DiskSpool>();

        // Hosted services stop in reverse order: the consumer first (it drains the queue
        // through the writer before disconnecting), then the writer, then the replayer.
        services.AddHostedService<SpoolReplayer>();
        services.AddHostedService<BatchWriter>();
        services.AddHostedService<NotificationDispatcher>();
        services.AddHostedService<AlertTicker>();
        services.AddHostedService<MqttIngestConsumer>();

        services.AddHealthChecks().AddCheck<ReadinessCheck>("ingest", tags: ["ready"]);
        return services;
    }
}
