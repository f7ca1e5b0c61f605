using System.Globalization;
using System.Text.Json;
using EcoMonitor.Core.Audit;

namespace EcoMonitor.Ingest.Storage.Readback;

/// <summary>
/// Reads readings with InfluxQL (<c>POST /query</c>), which InfluxDB 1.x, 2.x (v1 API with a DBRP
/// mapping) and 3.x answer: <c>Influx:Bucket</c> is the database, credentials as for writing.
/// </summary>
internal sealed class InfluxQlStoredReadings(InfluxOptions options) : IStoredReadings, IDisposable
{
    private readonly HttpClient _http = InfluxHttp.CreateClient(options);
    private readonly Uri _query = new(new Uri(options.Url.TrimEnd('/') + "/"), "query");

    public async Task<IReadOnlyList<StoredPoint>> ReadAsync(string site, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(site);
        var points = new List<StoredPoint>();
        foreach (var measurement in ReadingMeasurements.All)
        {
            var statement = string.Create(CultureInfo.InvariantCulture,
                $"SELECT * FROM \"{measurement}\" WHERE \"site\" = '{Quote(site)}' AND time >= {from.ToUnixTimeMilliseconds()}ms AND time <= {to.ToUnixTimeMilliseconds()}ms");
            var form = new Dictionary<string, string> { ["q"] = statement, ["db"] = options.Bucket, ["epoch"] = "ms" };
            if (!string.IsNullOrEmpty(options.RetentionPolicy))
            {
                form["rp"] = options.RetentionPolicy;
            }

            using var content = new FormUrlEncodedContent(form);
            using var response = await _http.PostAsync(_query, content, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            using var answer = JsonDocument.Parse(text);
            var result = answer.RootElement.TryGetProperty("results", out var results) ? results[0] : answer.RootElement;
            if (!response.IsSuccessStatusCode || result.TryGetProperty("error", out _))
            {
                throw new InvalidOperationException($"the store refused the query ({(int)response.StatusCode}): {(result.TryGetProperty("error", out var error) ? error.GetString() : text)}");
            }

            if (!result.TryGetProperty("series", out var series))
            {
                continue;
            }

            foreach (var s in series.EnumerateArray())
            {
                Collect(measurement, s, points);
            }
        }

        return points;
    }

    private static void Collect(string measurement, JsonElement series, List<StoredPoint> points)
    {
        var columns = series.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
        var time = Array.IndexOf(columns, "time");
        var device = Array.IndexOf(columns, "device");
        var site = Array.IndexOf(columns, "site");
        foreach (var row in series.GetProperty("values").EnumerateArray())
        {
            var ts = row[time].GetInt64();
            for (var c = 0; c < columns.Length; c++)
            {
                if (c == time || c == device || c == site || row[c].ValueKind != JsonValueKind.Number)
                {
                    continue;
                }

                points.Add(new StoredPoint(new PointKey(measurement, row[site].GetString()!, row[device].GetString()!, columns[c], ts), row[c].GetDouble()));
            }
        }
    }

    // InfluxQL string literals escape a single quote with a backslash.
    private static string Quote(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);

    public void Dispose() => _http.Dispose();
}
