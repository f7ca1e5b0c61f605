using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Mqtt;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EcoMonitor.Service.Http;

/// <summary>Ready = connected to the broker and the store takes writes.</summary>
public sealed class ReadinessCheck(MqttConnectionState mqtt, StoreHealth store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["mqtt"] = mqtt.IsConnected, ["store"] = store.IsHealthy };
        if (!mqtt.IsConnected)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("not connected to the MQTT broker", data: data));
        }

        return Task.FromResult(store.LastFailure is { } failure
            ? HealthCheckResult.Unhealthy($"store writes are failing: {failure}", data: data)
            : HealthCheckResult.Healthy("connected and storing", data));
    }
}
