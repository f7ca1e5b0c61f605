using System.Globalization;
using System.Text.Json;
using EcoMonitor.Core.Audit;

namespace EcoMonitor.Ingest.Storage.Readback;

/// <summary>
/// Reads readings from VictoriaMetrics' export API (<c>GET /api/v1/export</c>): each field is the
/// series <c>{measurement}_{field}</c> with the tags as labels (docs/schema.md#victoriametrics).
/// Samples at one time count once.
/// </summary>
internal sealed class VictoriaMetricsStoredReadings(Uri baseUrl, TimeProvider time) : IStoredReadings, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(1) };

    public async Task<IReadOnlyList<StoredPoint>> ReadAsync(string site, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(site);
        var match = $"{{__name__=~\"({string.Join('|', ReadingMeasurements.All)})_.+\",site=\"{site.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"}}";
        // An end in the future makes VictoriaMetrics 1.79 miss recent samples of a series written
        // again after a deletion; without one it reads up to now (and later points are filtered below).
        var end = to < time.GetUtcNow() ? string.Create(CultureInfo.InvariantCulture, $"&end={to.ToUnixTimeMilliseconds() / 1000.0:0.000}") : string.Empty;
        var uri = new Uri(
            string.Create(CultureInfo.InvariantCulture, $"api/v1/export?match[]={Uri.EscapeDataString(match)}&start={from.ToUnixTimeMilliseconds() / 1000.0:0.000}{end}"),
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

        // The export gives raw samples: a redelivered point may appear twice until deduplication
        // merges it. Should two differ, the larger is taken, the one VictoriaMetrics keeps since
        // 1.85; older versions keep either (docs/schema.md#victoriametrics).
        return [.. points.GroupBy(p => p.Key).Select(g => new StoredPoint(g.Key, g.Max(p => p.Value)))];
    }

    public void Dispose() => _http.Dispose();
}
