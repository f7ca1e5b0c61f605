using System.Net.Http.Headers;
using System.Text;

namespace EcoMonitor.Ingest.Storage;

/// <summary>
/// The HTTP client of InfluxDB's APIs (v2 <c>/api/v2/write</c>, v1 <c>/write</c> and <c>/query</c>)
/// with the configured credentials (docs/schema.md#influxdb-1x).
/// </summary>
internal static class InfluxHttp
{
    /// <param name="options">The timeout and the credentials.</param>
    /// <param name="handler">A message handler of the caller's (benchmarks); null for the default.</param>
    public static HttpClient CreateClient(InfluxOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = options.Timeout;
        if (!string.IsNullOrEmpty(options.Username))
        {
            // Basic authentication keeps the password out of URLs (and so out of proxies' logs).
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}"));
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }
        else if (!string.IsNullOrEmpty(options.Token))
        {
            // A v2 token; InfluxDB 1.8+'s v1 API takes "Token user:password" the same way.
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", options.Token);
        }

        return http;
    }
}
