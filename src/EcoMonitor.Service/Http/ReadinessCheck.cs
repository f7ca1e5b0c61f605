using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Mqtt;
using EcoMonitor.Service.Observability;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EcoMonitor.Service.Http;

/// <summary>Ready = connected to the broker, and the store or, failing it, the spool takes readings.</summary>
public sealed class ReadinessCheck(MqttConnectionState mqtt, StoreHealth store, IngestMetrics metrics) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["mqtt"] = mqtt.IsConnected, ["store"] = store.IsHealthy };
        if (!mqtt.IsConnected)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("not connected to the MQTT broker", data: data));
        }

        if (store.Unauthorized is { } refused)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"the store refuses our credentials: {refused}", data: data));
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
}
