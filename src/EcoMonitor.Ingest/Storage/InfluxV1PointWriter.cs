using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Storage;

/// <summary>
/// Writes through InfluxDB 1.x's <c>/write</c> API (<c>Influx:Version</c> 1): the same line
/// protocol, one HTTP request per call, the database <c>Influx:Bucket</c> and the retention
/// policy <c>Influx:RetentionPolicy</c>. Answers are classified by <see cref="StoreAnswers"/>, as
/// for version 2 (docs/schema.md#influxdb-1x).
/// </summary>
internal sealed class InfluxV1PointWriter : IPointWriter, IDisposable
{
    /// <summary>Enough of an error body for the reason; a store cannot make us read more.</summary>
    private const int MaxErrorChars = 4096;

    private readonly HttpClient _http;
    private readonly Uri _write;
    private readonly string _database;

    public InfluxV1PointWriter(IOptions<InfluxOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _database = o.Bucket;
        _http = InfluxV1Http.CreateClient(o);
        var query = "db=" + Uri.EscapeDataString(o.Bucket) + "&precision=ms";
        if (!string.IsNullOrEmpty(o.RetentionPolicy))
        {
            query += "&rp=" + Uri.EscapeDataString(o.RetentionPolicy);
        }

        _write = new Uri(new Uri(o.Url.TrimEnd('/') + "/"), "write?" + query);
    }

    public async Task WriteAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        using var content = new StringContent(string.Join('\n', lines), Encoding.UTF8, "text/plain");
        using var response = await _http.PostAsync(_write, content, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var body = await ReadErrorAsync(response, cancellationToken);
        int? retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int)delta.TotalSeconds : null;
        var failure = new HttpRequestException($"{status} {response.ReasonPhrase}: {body}", inner: null, response.StatusCode);
        throw StoreAnswers.Classify(status, body, lines.Count, $"'{_database}'", retryAfter, failure) ?? failure;
    }

    public void Dispose() => _http.Dispose();

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[MaxErrorChars];
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        return new string(buffer, 0, read).Trim();
    }
}
