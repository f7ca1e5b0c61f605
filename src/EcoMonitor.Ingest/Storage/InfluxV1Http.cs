using System.Net.Http.Headers;
using System.Text;

namespace EcoMonitor.Ingest.Storage;

/// <summary>The HTTP client of InfluxDB's v1 API (<c>/write</c>, <c>/query</c>) with the configured credentials (docs/schema.md#influxdb-1x).</summary>
internal static class InfluxV1Http
{
    public static HttpClient CreateClient(InfluxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var http = new HttpClient { Timeout = options.Timeout };
        if (!string.IsNullOrEmpty(options.Username))
        {
            // Basic authentication keeps the password out of URLs (and so out of proxies' logs).
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}"));
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }
        else if (!string.IsNullOrEmpty(options.Token))
        {
            // InfluxDB 1.8+ and 2.x's v1 API: "Token user:password" (or a v2 token).
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", options.Token);
        }

        return http;
    }
}
