using EcoMonitor.Runtime.Telemetry;
using EcoMonitor.Service.Auth;
using EcoMonitor.Service.Page;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Prometheus;

namespace EcoMonitor.Service.Http;

public static class EndpointExtensions
{
    /// <summary>The HTTP surface that exists so far: health, metrics, alerts (docs/http.md).</summary>
    public static WebApplication MapEcoMonitorEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready"), ResponseWriter = HealthResponseWriter.WriteAsync });
        app.MapMetrics("/metrics", app.Services.GetRequiredService<RuntimeMetrics>().Registry);
        app.MapAlertEndpoints();
        app.MapSilenceEndpoints();

        // Owned by their concerns (docs/http.md): sensors, login, the page, the public feed, the audit log.
        app.MapSensorEndpoints();
        app.MapAuthEndpoints();
        app.MapPageEndpoints();
        app.MapFeedEndpoints();
        app.MapAuditEndpoints();
        app.MapCorrectionEndpoints();
        return app;
    }
}
