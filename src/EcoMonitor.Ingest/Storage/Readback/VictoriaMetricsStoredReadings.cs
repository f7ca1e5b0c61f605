using System.Text.Json;
using EcoMonitor.Core.Audit;

namespace EcoMonitor.Ingest.Storage.Readback;

/// <summary>
/// Reads readings from VictoriaMetrics' export API (<c>GET /api/v1/export</c>): each field is the
/// series <c>{measurement}_{field}</c> with the tags as labels (docs/schema.md#victoriametrics).
/// </summary>
internal sealed class VictoriaMetricsStoredReadings(Uri baseUrl) : IStoredReadings, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(1) };

    public async Task<IReadOnlyList<StoredPoint>> ReadAsync(string site, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(site);
        var match = $"{{__name__=~\"({string.Join('|', ReadingMeasurements.All)})_.+\",site=\"{site.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"}}";
        var uri = new Uri(
            $"api/v1/export?match[]={Uri.EscapeDataString(match)}&start={from.ToUnixTimeMilliseconds() / 1000.0:0.000}&end={to.ToUnixTimeMilliseconds() / 1000.0:0.000}".Replace(',', '.'),
            UriKind.Relative);
        using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the store refused the export ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var points = new List<StoredPoint>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var series = JsonDocument.Parse(line);
            var labels = series.RootElement.GetProperty("metric");
            var name = labels.GetProperty("__name__").GetString()!;
            var split = name.IndexOf('_', StringComparison.Ordinal);
            var measurement = name[..split];
            var metric = name[(split + 1)..];
            var device = labels.GetProperty("device").GetString()!;
            var timestamps = series.RootElement.GetProperty("timestamps");
            var values = series.RootElement.GetProperty("values");
            for (var i = 0; i < timestamps.GetArrayLength(); i++)
            {
                var ts = timestamps[i].GetInt64();
                if (ts >= from.ToUnixTimeMilliseconds() && ts <= to.ToUnixTimeMilliseconds())
                {
                    points.Add(new StoredPoint(new PointKey(measurement, site, device, metric, ts), values[i].GetDouble()));
                }
            }
        }

        return points;
    }

    public void Dispose() => _http.Dispose();
}
