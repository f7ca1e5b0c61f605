using EcoMonitor.Core.Audit;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Ingest.Storage.Spool;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace Microsoft.Extensions.DependencyInjection;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// The store side of the ingest path: batch writer → store (InfluxDB) with its resilience
    /// pipelines, the disk spool when the store cannot take a batch, and the replayer.
    /// </summary>
    public static IServiceCollection AddEcoMonitorStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<StorageMarker>())
        {
            return services;
        }

        services.AddEcoMonitorRuntime(configuration);
        services.AddEcoMonitorDecoding(configuration);
        services.AddValidatedOptions<InfluxOptions, InfluxOptionsValidator>(configuration.GetSection(InfluxOptions.Section));
        services.AddValidatedOptions<SpoolOptions, SpoolOptionsValidator>(configuration.GetSection(SpoolOptions.Section));
        services.TryAddSingleton(AuditTrail.None);
        services.TryAddSingleton<IngestMetrics>();
        services.TryAddSingleton<StoreHealth>();
        services.TryAddSingleton<EcoMonitor.Ingest.Ingestion.IngestQueue>();
        services.AddResiliencePipeline(StoreWritePipeline.LiveKey, (builder, context) =>
        {
            var sp = context.ServiceProvider;
            builder.TimeProvider = sp.GetRequiredService<TimeProvider>();
            StoreWritePipeline.ConfigureLive(
                builder,
                sp.GetRequiredService<IOptions<InfluxOptions>>().Value,
                sp.GetRequiredService<ILogger<StoreWritePipeline>>(),
                sp.GetRequiredService<IngestMetrics>(),
                sp.GetRequiredService<StoreHealth>());
        });
        services.AddResiliencePipeline(StoreWritePipeline.ReplayKey, (builder, context) =>
        {
            builder.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
            StoreWritePipeline.ConfigureReplay(builder);
        });
        services.TryAddSingleton(sp => new StoreWritePipeline(sp.GetRequiredService<ResiliencePipelineProvider<string>>()));
        services.TryAddSingleton<IPointWriter>(sp => new InfluxPointWriter(sp.GetRequiredService<IOptions<InfluxOptions>>()));
        services.TryAddSingleton<StoreWriter>();
        services.TryAddSingleton(sp => new EcoMonitor.Ingest.Storage.Corrections.ReadingCorrector(
            sp.GetRequiredService<IPointWriter>(),
            EcoMonitor.Ingest.Storage.Readback.StoredReadings.Create(sp.GetRequiredService<IOptions<InfluxOptions>>().Value, sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<IAuditTrail>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EcoMonitor.Ingest.Storage.Corrections.ReadingCorrector>>()));
        services.TryAddSingleton<DiskSpool>();

        // Hosted services stop in reverse order of registration: the writer before the replayer.
        services.AddHostedService<SpoolReplayer>();
        services.AddHostedService<BatchWriter>();
        return services;
    }

    private sealed class StorageMarker;
}
