using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EcoMonitor.Service.Http;

/// <summary>
/// <c>/health/ready</c> answers with its reasons as JSON, not a bare word: an operator (or a probe's
/// log) sees why the service is not ready, what is subscribed and how each channel does.
/// </summary>
internal static class HealthResponseWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data },
                StringComparer.Ordinal),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
