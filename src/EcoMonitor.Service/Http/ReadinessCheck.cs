using EcoMonitor.Ingest.Mqtt;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Runtime.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EcoMonitor.Service.Http;

/// <summary>
/// Ready = connected to the broker, the store or, failing it, the spool takes readings, and no
/// part of the service has raised a blocking condition (<see cref="ReadinessConditions"/>).
/// </summary>
public sealed class ReadinessCheck(MqttConnectionState mqtt, StoreHealth store, IngestMetrics metrics, ReadinessConditions conditions) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["mqtt"] = mqtt.IsConnected, ["store"] = store.IsHealthy };
        var blocking = conditions.Blocking;
        if (blocking.Count > 0)
        {
            data["blocking"] = blocking.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        }

        foreach (var (key, value) in conditions.Details)
        {
            data[key] = value;
        }

        if (!mqtt.IsConnected)
        {
            // A raised condition (e.g. a TLS certificate refused) says why.
            return Task.FromResult(HealthCheckResult.Unhealthy(blocking.Count > 0 ? $"not connected to the MQTT broker: {Describe(blocking)}" : "not connected to the MQTT broker", data: data));
        }

        if (store.Unauthorized is { } refused)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"the store refuses our writes until an operator acts: {refused}", data: data));
        }

        if (blocking.Count > 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(Describe(blocking), data: data));
        }

        if (store.LastFailure is { } failure)
        {
            // Still ready while the spool takes the readings; not once it is full.
            return Task.FromResult(metrics.SpoolFull.Value > 0
                ? HealthCheckResult.Unhealthy($"store writes are failing and the spool is full: {failure}", data: data)
                : HealthCheckResult.Degraded($"store writes are failing; spooling: {failure}", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy("connected and storing", data));
    }

    private static string Describe(IReadOnlyList<KeyValuePair<string, string>> blocking) =>
        string.Join("; ", blocking.Select(p => $"{p.Key}: {p.Value}"));
}
