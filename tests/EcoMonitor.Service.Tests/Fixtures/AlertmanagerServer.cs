using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// A real Prometheus Alertmanager (Debian package <c>prometheus-alertmanager</c>, 0.25) on a free
/// loopback port, with its silences and notification log in a temporary folder, clustering off,
/// and one route to a receiver that sends nothing: the tests look at what it holds through its
/// own API (<c>GET /api/v2/alerts</c>).
/// </summary>
public sealed class AlertmanagerServer : IAsyncDisposable
{
    public const string Package = "prometheus-alertmanager";

    private readonly DirectoryInfo _directory;
    private readonly HttpClient _http;
    private readonly ServerRun _run = new();

    private AlertmanagerServer(DirectoryInfo directory, int port)
    {
        _directory = directory;
        Port = port;
        _http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(10) };
    }

    public int Port { get; }

    /// <summary>The base URL, as a channel's <c>Url</c> is configured.</summary>
    public Uri Url => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));

    public static async Task<AlertmanagerServer> StartAsync(CancellationToken cancellationToken)
    {
        var server = new AlertmanagerServer(Directory.CreateTempSubdirectory("ecomonitor-alertmanager-"), FreePort.Next());
        await server.StartAgainAsync(cancellationToken);
        return server;
    }

    /// <summary>Starts (again) on the same port with the same storage.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        var config = Path.Combine(_directory.FullName, "alertmanager.yml");
        await File.WriteAllTextAsync(
            config,
            """
            global:
              resolve_timeout: 5m
            route:
              receiver: "null"
              group_by: ["alertname", "site"]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: "null"
            """,
            cancellationToken);
        var storage = Path.Combine(_directory.FullName, "data");
        Directory.CreateDirectory(storage);
        var process = _run.Start(ServerBinaries.Find(Package),
        [
            $"--config.file={config}",
            $"--storage.path={storage}",
            string.Create(CultureInfo.InvariantCulture, $"--web.listen-address=127.0.0.1:{Port}"),
            "--cluster.listen-address=",
            "--log.level=warn",
        ]);
        await Eventually.WaitAsync(
            async () => process.HasExited
                ? throw new InvalidOperationException($"{Package} exited at start: {process.Output}")
                : await HttpProbe.AnswersAsync(_http, "-/ready", cancellationToken),
            TimeSpan.FromSeconds(30),
            "Alertmanager to answer /-/ready",
            cancellationToken);
    }

    /// <summary>Stops at once (SIGKILL), as in a crash.</summary>
    public Task StopAsync() => _run.StopAsync();

    /// <summary>
    /// The alerts Alertmanager holds (<c>GET /api/v2/alerts</c>), matching the label
    /// <paramref name="matchers"/> (e.g. <c>site="x"</c>); <paramref name="active"/> false leaves
    /// active alerts out, null keeps its default (all). Alertmanager lists no alert whose
    /// <c>endsAt</c> has passed: a resolved alert disappears.
    /// </summary>
    public async Task<IReadOnlyList<AlertmanagerAlert>> AlertsAsync(IEnumerable<string> matchers, bool? active, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        var query = matchers.Select(m => "filter=" + Uri.EscapeDataString(m)).ToList();
        if (active is { } a)
        {
            query.Add("active=" + (a ? "true" : "false"));
        }

        var uri = new Uri("api/v2/alerts" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty), UriKind.Relative);
        return await _http.GetFromJsonAsync<List<AlertmanagerAlert>>(uri, cancellationToken) ?? [];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        _directory.Delete(recursive: true);
    }

}

/// <summary>Alertmanager's <c>gettableAlert</c> (API v2), the fields the tests read.</summary>
public sealed record AlertmanagerAlert(
    [property: JsonPropertyName("labels")] Dictionary<string, string> Labels,
    [property: JsonPropertyName("annotations")] Dictionary<string, string> Annotations,
    [property: JsonPropertyName("startsAt")] DateTimeOffset StartsAt,
    [property: JsonPropertyName("endsAt")] DateTimeOffset EndsAt,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("generatorURL")] string? GeneratorUrl,
    [property: JsonPropertyName("fingerprint")] string Fingerprint,
    [property: JsonPropertyName("status")] AlertmanagerAlertStatus Status);

public sealed record AlertmanagerAlertStatus([property: JsonPropertyName("state")] string State);
