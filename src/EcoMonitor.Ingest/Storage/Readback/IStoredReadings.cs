using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Ingest.Storage.Readback;

/// <summary>
/// Reads a site's readings back from the store, for checking them against the log's digests
/// (docs/audit.md#verifying-readings). Readings only: measurements <c>air</c>, <c>water</c>,
/// <c>soil</c>, never the <c>alert</c> transitions.
/// </summary>
public interface IStoredReadings : IDisposable
{
    /// <summary>Every reading of <paramref name="site"/> with from ≤ time ≤ to.</summary>
    Task<IReadOnlyList<StoredPoint>> ReadAsync(string site, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>The measurements readings are stored under: the kinds (docs/schema.md#readings).</summary>
internal static class ReadingMeasurements
{
    public static readonly string[] All = [.. SensorKinds.All.Select(k => k.ToName())];
}

/// <summary>Makes the reader for the configured store (section <c>Influx</c>: URL, database, credentials).</summary>
public static class StoredReadings
{
    /// <param name="api">How to read; by default <c>Influx:ReadApi</c>.</param>
    public static IStoredReadings Create(Microsoft.Extensions.Configuration.IConfiguration configuration, ReadbackApi? api = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Create(configuration.GetSection(InfluxOptions.Section).Get<InfluxOptions>() ?? new InfluxOptions(), TimeProvider.System, api);
    }

    internal static IStoredReadings Create(InfluxOptions options, TimeProvider time, ReadbackApi? api = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (api ?? options.ReadApi) == ReadbackApi.VictoriaMetrics
            ? new VictoriaMetricsStoredReadings(new Uri(options.Url.TrimEnd('/') + "/"), time)
            : new InfluxQlStoredReadings(options);
    }
}
