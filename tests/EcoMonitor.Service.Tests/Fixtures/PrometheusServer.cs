using System.Globalization;
using System.Text.Json;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// A real Prometheus server (Debian <c>prometheus</c>) on a free loopback port, its TSDB in a
/// temporary folder, scraping one target every second as job <c>ecomonitor</c>: the service
/// dashboard's PromQL is evaluated by the engine Grafana would ask.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly DirectoryInfo _directory;
    private readonly HttpClient _http;
    private readonly ServerRun _run = new();

    private PrometheusServer(DirectoryInfo directory, int port)
    {
        _directory = directory;
        _http = new HttpClient { BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/")), Timeout = TimeSpan.FromSeconds(10) };
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts scraping <paramref name="target"/> (<c>host:port</c>) at <c>/metrics</c>.</summary>
    public static async Task<PrometheusServer> StartAsync(string target, CancellationToken cancellationToken)
    {
        var server = new PrometheusServer(Directory.CreateTempSubdirectory("ecomonitor-prometheus-"), FreePort.Next());
        var config = Path.Combine(server._directory.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: ecomonitor
                metrics_path: /metrics
                static_configs:
                  - targets: ["{target}"]
            """, cancellationToken);
        var process = server._run.Start(ServerBinaries.Find("prometheus"),
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(server._directory.FullName, "data")}",
            string.Create(CultureInfo.InvariantCulture, $"--web.listen-address=127.0.0.1:{server.Port}"),
            "--log.level=warn",
        ]);
        await Eventually.WaitAsync(
            async () => process.HasExited
                ? throw new InvalidOperationException($"prometheus exited at start: {process.Output}")
                : await HttpProbe.AnswersAsync(server._http, "-/ready", cancellationToken),
            TimeSpan.FromSeconds(30),
            "Prometheus to answer /-/ready",
            cancellationToken);
        return server;
    }

    /// <summary>
    /// Evaluates <paramref name="expression"/> now (<c>/api/v1/query</c>) and returns its result
    /// array; throws with Prometheus' own error when it does not parse or evaluate.
    /// </summary>
    public async Task<JsonElement> QueryAsync(string expression, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent([new KeyValuePair<string, string>("query", expression)]);
        using var response = await _http.PostAsync(new Uri("api/v1/query", UriKind.Relative), content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        using var answer = JsonDocument.Parse(text);
        if (answer.RootElement.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"PromQL '{expression}' failed ({(int)response.StatusCode}): {text}");
        }

        return answer.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _run.StopAsync();
        _http.Dispose();
        _directory.Delete(recursive: true);
    }
}
