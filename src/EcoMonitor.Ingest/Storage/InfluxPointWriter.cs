using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Storage;

/// <summary>
/// Writes line protocol to InfluxDB, one HTTP request per call whose outcome we see: the v2 write
/// API (<c>/api/v2/write</c>, org and bucket, the default) or, with <c>Influx:Version</c> 1, InfluxDB
/// 1.x's <c>/write</c> (database <c>Influx:Bucket</c>, retention policy <c>Influx:RetentionPolicy</c>).
/// Each answer becomes one of <see cref="IPointWriter"/>'s outcomes through <see cref="StoreAnswers"/>
/// (docs/decisions.md, "The store's answers"). Written on <see cref="HttpClient"/> rather than with
/// InfluxDB.Client, whose write takes only strings and copies a batch twice more on its way out
/// (docs/decisions.md, "The store's client").
/// </summary>
internal sealed class InfluxPointWriter : IPointWriter, IDisposable
{
    /// <summary>Enough of an error body for the reason; a store cannot make us read more.</summary>
    private const int MaxErrorChars = 4096;

    private readonly HttpClient _http;
    private readonly Uri _write;
    private readonly string _target;

    public InfluxPointWriter(IOptions<InfluxOptions> options)
        : this(options, handler: null)
    {
    }

    /// <summary>Over a message handler of the caller's (the benchmarks': no network).</summary>
    internal InfluxPointWriter(IOptions<InfluxOptions> options, HttpMessageHandler? handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _http = InfluxHttp.CreateClient(o, handler);
        string path;
        if (o.Version == 1)
        {
            _target = $"'{o.Bucket}'";
            path = "write?db=" + Uri.EscapeDataString(o.Bucket) + "&precision=ms";
            if (!string.IsNullOrEmpty(o.RetentionPolicy))
            {
                path += "&rp=" + Uri.EscapeDataString(o.RetentionPolicy);
            }
        }
        else
        {
            _target = $"'{o.Bucket}' in org '{o.Org}'";
            path = "api/v2/write?org=" + Uri.EscapeDataString(o.Org) + "&bucket=" + Uri.EscapeDataString(o.Bucket) + "&precision=ms";
        }

        _write = new Uri(new Uri(o.Url.TrimEnd('/') + "/"), path);
    }

    public async Task WriteAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        using var content = new LineProtocolContent(lines);
        using var response = await _http.PostAsync(_write, content, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var body = MessageOf(await ReadErrorAsync(response, cancellationToken));
        int? retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int)delta.TotalSeconds : null;
        var failure = new HttpRequestException($"{status} {response.ReasonPhrase}: {body}", inner: null, response.StatusCode);
        throw StoreAnswers.Classify(status, body, lines.Count, _target, retryAfter, failure) ?? failure;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>InfluxDB 2 and 3 answer errors as <c>{"code":…,"message":…}</c>: the message is the reason; any other body is kept as it is.</summary>
    internal static string MessageOf(string body)
    {
        if (!body.StartsWith('{'))
        {
            return body;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String
                && message.GetString() is { Length: > 0 } text ? text : body;
        }
        catch (JsonException)
        {
            // Cut at MaxErrorChars, or not JSON after all.
            return body;
        }
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[MaxErrorChars];
        var read = await reader.ReadBlockAsync(buffer, cancellationToken);
        return new string(buffer, 0, read).Trim();
    }
}
