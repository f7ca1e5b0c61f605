using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Validation;
using EcoMonitor.Ingest.DeadLetters;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Ingest.Mqtt;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Runtime.Broker;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;

namespace Microsoft.Extensions.DependencyInjection;

public static class IngestServiceCollectionExtensions
{
    /// <summary>Decoding and validation: what the service and the <c>decode</c> command share.</summary>
    public static IServiceCollection AddEcoMonitorDecoding(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<DecodingMarker>())
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedOptions<IngestOptions, IngestOptionsValidator>(configuration.GetSection(IngestOptions.Section));
        services.AddValidatedOptions<CatalogOptions, CatalogOptionsValidator>(configuration.GetSection(CatalogOptions.Section));
        services.AddOptions<MqttOptions>().Bind(configuration.GetSection(MqttOptions.Section));
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<CatalogOptions>>().Value.Build());

        // The payload formats, in the order auto tries them (DI hands them over in registration
        // order). A format added here gets the decoder contract tests and the CLI's conventions.
        if (!services.Any(d => d.ServiceType == typeof(IPayloadDecoder)))
        {
            foreach (var decoder in PayloadFormats.StandardDecoders())
            {
                services.AddSingleton<IPayloadDecoder>(decoder);
            }
        }

        services.TryAddSingleton(sp => new PayloadFormats(sp.GetServices<IPayloadDecoder>()));
        services.TryAddSingleton(sp => new ReadingValidator(
            sp.GetRequiredService<MetricCatalog>(),
            sp.GetRequiredService<IOptions<IngestOptions>>().Value.Validation));
        services.TryAddSingleton(sp => new MessageIngestor(
            sp.GetRequiredService<PayloadFormats>(),
            sp.GetRequiredService<ReadingValidator>(),
            sp.GetRequiredService<IOptions<IngestOptions>>().Value.Limits));
        return services;
    }

    /// <summary>
    /// The ingest path up to the queue: MQTT consumer → handler (decode, validate, dead-letter,
    /// observe) → <see cref="IngestQueue"/>. The store side is <c>AddEcoMonitorStorage</c>; the
    /// alert engine and the sensor directory plug in as <see cref="IAcceptedReadingsObserver"/>s
    /// (and <see cref="INodeStatusObserver"/>s), each added by its own registration.
    /// </summary>
    public static IServiceCollection AddEcoMonitorIngest(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.IsRegistered<IngestMarker>())
        {
            return services;
        }

        services.AddEcoMonitorRuntime(configuration);
        services.AddEcoMonitorDecoding(configuration);
        services.AddOptions<MqttOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttOptions>, MqttSubscriptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttOptions>, BrokerTlsOptionsValidator<MqttOptions>>());
        services.AddValidatedOptions<DeadLetterOptions, DeadLetterOptionsValidator>(configuration.GetSection(DeadLetterOptions.Section));

        services.TryAddSingleton<IngestMetrics>();
        services.TryAddSingleton<MqttConnectionState>();
        services.TryAddSingleton<DeadLetterStore>();
        services.TryAddSingleton<IDeadLetterSink, DeadLetterStoreSink>();
        services.TryAddSingleton<DeadLetterRepublisher>();
        services.TryAddSingleton<IngestQueue>();
        services.TryAddSingleton<DuplicateTracker>();
        services.TryAddSingleton<MessageHandler>();
        // Polly's own log of each reconnect attempt carries the exception's stack; the pipeline's
        // OnRetry already logs the attempt in words (docs/decisions.md, "Broker TLS").
        services.Configure<TelemetryOptions>(telemetry =>
        {
            var previous = telemetry.SeverityProvider;
            telemetry.SeverityProvider = args => args.Source.PipelineName == MqttPipelines.ReconnectKey
                ? ResilienceEventSeverity.Debug
                : previous?.Invoke(args) ?? args.Event.Severity;
        });
        services.AddResiliencePipeline(MqttPipelines.ReconnectKey, (builder, context) =>
        {
            var sp = context.ServiceProvider;
            builder.TimeProvider = sp.GetRequiredService<TimeProvider>();
            MqttPipelines.ConfigureReconnect(builder, sp.GetRequiredService<IOptions<MqttOptions>>().Value, sp.GetRequiredService<ILogger<MqttPipelines>>());
        });
        services.AddResiliencePipeline(MqttPipelines.HandlingKey, (builder, context) =>
        {
            var sp = context.ServiceProvider;
            builder.TimeProvider = sp.GetRequiredService<TimeProvider>();
            MqttPipelines.ConfigureHandling(builder, sp.GetRequiredService<IOptions<MqttOptions>>().Value);
        });
        services.TryAddSingleton<MqttPipelines>();
        services.TryAddSingleton<SubscriptionStateFile>();
        services.AddHostedService<MqttIngestConsumer>();
        return services;
    }

    private sealed class DecodingMarker;

    private sealed class IngestMarker;
}
