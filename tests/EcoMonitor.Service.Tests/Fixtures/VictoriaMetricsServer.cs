using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// A real VictoriaMetrics, which takes the InfluxDB v2 write API. Deduplication at 1 ms makes a
/// rewritten point replace the old one, as in InfluxDB; retention is long so old test
/// timestamps are kept; no latency offset so fresh points are visible.
/// </summary>
public sealed class VictoriaMetricsServer : IAsyncDisposable
{
    private readonly DirectoryInfo _directory;
    private readonly HttpClient _http;
    private readonly ServerRun _run = new();

    private VictoriaMetricsServer(DirectoryInfo directory, int port)
    {
        _directory = directory;
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public string Url => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}");

    public static async Task<VictoriaMetricsServer> StartAsync(CancellationToken cancellationToken)
    {
        var server = new VictoriaMetricsServer(Directory.CreateTempSubdirectory("ecomonitor-vm-"), FreePort.Next());
        await server.StartAgainAsync(cancellationToken);
        return server;
    }

    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        var process = _run.Start(ServerBinaries.Find("victoria-metrics"),
        [
            $"-storageDataPath={_directory.FullName}",
            string.Create(CultureInfo.InvariantCulture, $"-httpListenAddr=127.0.0.1:{Port}"),
            "-dedup.minScrapeInterval=1ms",
            "-retentionPeriod=100y",
            "-search.latencyOffset=0s",
            "-loggerLevel=WARN",
        ]);
        await Eventually.WaitAsync(
            async () => process.HasExited
                ? throw new InvalidOperationException($"victoria-metrics exited at start: {process.Output}")
                : await HttpProbe.AnswersAsync(_http, "/health", cancellationToken),
            TimeSpan.FromSeconds(30),
            "victoria-metrics to answer /health",
            cancellationToken);
    }

    /// <summary>Stops at once (SIGKILL), as in a crash.</summary>
    public Task StopAsync() => _run.StopAsync();

    /// <summary>
    /// Stops gracefully (SIGTERM): VictoriaMetrics flushes what it buffered to disk before it
    /// exits. Throws if it does not exit within <paramref name="timeout"/> (default 10 s).
    /// </summary>
    public Task TerminateAsync(TimeSpan? timeout = null) => _run.TerminateAsync(timeout);

    /// <summary>Makes everything written so far visible to queries.</summary>
    public async Task ForceFlushAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("/internal/force_flush", UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Exports until at least <paramref name="samples"/> samples match (or the deadline passes,
    /// then returns what there is): a point written a moment ago can take a flush interval to
    /// become searchable, even after force_flush.
    /// </summary>
    public async Task<IReadOnlyList<ExportedSeries>> ExportAtLeastAsync(string match, int samples, CancellationToken cancellationToken)
    {
        IReadOnlyList<ExportedSeries> series = [];
        try
        {
            await Eventually.WaitAsync(
                async () => (series = await ExportAsync(match, cancellationToken)).Sum(s => s.Values.Length) >= samples,
                TimeSpan.FromSeconds(15),
                $"{samples} samples matching {match}",
                cancellationToken);
        }
        catch (TimeoutException)
        {
            // The caller's assertions say what is missing.
        }

        return series;
    }

    /// <summary>Raw samples of every series matching a PromQL series selector.</summary>
    public async Task<IReadOnlyList<ExportedSeries>> ExportAsync(string match, CancellationToken cancellationToken)
    {
        await ForceFlushAsync(cancellationToken);
        using var content = new FormUrlEncodedContent([new("match[]", match), new("start", "0")]);
        using var response = await _http.PostAsync(new Uri("/api/v1/export", UriKind.Relative), content, cancellationToken);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<ExportedSeries>(line)!)
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        _directory.Delete(recursive: true);
    }

}

public sealed record ExportedSeries(
    [property: JsonPropertyName("metric")] Dictionary<string, string> Metric,
    [property: JsonPropertyName("values")] double[] Values,
    [property: JsonPropertyName("timestamps")] long[] Timestamps)
{
    public string Name => Metric["__name__"];

    public IEnumerable<(long Timestamp, double Value)> Samples => Timestamps.Zip(Values);
}
