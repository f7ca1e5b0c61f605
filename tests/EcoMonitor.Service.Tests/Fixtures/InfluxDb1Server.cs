using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// A real InfluxDB 1.x (<c>influxd</c>, Debian <c>influxdb</c>) on loopback ports, its meta, data
/// and WAL in a temporary directory; with <c>authEnabled</c> an admin user is created first
/// (the one request 1.x takes without credentials while it has no user).
/// </summary>
public sealed class InfluxDb1Server : IAsyncDisposable
{
    public const string AdminUser = "admin";
    public const string AdminPassword = "admin-secret";

    private readonly DirectoryInfo _directory;
    private readonly HttpClient _http;
    private readonly ServerRun _run = new();
    private readonly bool _authEnabled;

    private InfluxDb1Server(DirectoryInfo directory, int port, bool authEnabled)
    {
        _directory = directory;
        _authEnabled = authEnabled;
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public string Url => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}");

    public static async Task<InfluxDb1Server> StartAsync(bool authEnabled, CancellationToken cancellationToken)
    {
        var server = new InfluxDb1Server(Directory.CreateTempSubdirectory("ecomonitor-influx1-"), FreePort.Next(), authEnabled);
        await server.StartAgainAsync(cancellationToken);
        if (authEnabled)
        {
            await server.QueryAsync($"CREATE USER {AdminUser} WITH PASSWORD '{AdminPassword}' WITH ALL PRIVILEGES", cancellationToken);
            server._http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AdminUser}:{AdminPassword}")));
        }

        return server;
    }

    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        var config = Path.Combine(_directory.FullName, "influxdb.conf");
        var root = _directory.FullName;
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
            reporting-disabled = true
            bind-address = "127.0.0.1:{FreePort.Next()}"

            [meta]
              dir = "{root}/meta"

            [data]
              dir = "{root}/data"
              wal-dir = "{root}/wal"
              query-log-enabled = false

            [http]
              bind-address = "127.0.0.1:{Port}"
              auth-enabled = {(_authEnabled ? "true" : "false")}
              log-enabled = false

            [monitor]
              store-enabled = false

            [continuous_queries]
              enabled = false
            """), cancellationToken);
        var process = _run.Start(ServerBinaries.Find("influxd"), ["-config", config]);
        await Eventually.WaitAsync(
            async () => process.HasExited
                ? throw new InvalidOperationException($"influxd exited at start: {process.Output}")
                : await HttpProbe.AnswersAsync(_http, "/ping", cancellationToken),
            TimeSpan.FromSeconds(60),
            "influxd to answer /ping",
            cancellationToken);
    }

    /// <summary>Stops at once (SIGKILL), as in a crash.</summary>
    public Task StopAsync() => _run.StopAsync();

    /// <summary>Runs one InfluxQL statement (POST /query); returns the JSON answer, throwing on an error in it.</summary>
    public async Task<JsonDocument> QueryAsync(string statement, CancellationToken cancellationToken, string? database = null)
    {
        var form = new List<KeyValuePair<string, string>> { new("q", statement) };
        if (database is not null)
        {
            form.Add(new("db", database));
        }

        using var content = new FormUrlEncodedContent(form);
        using var response = await _http.PostAsync(new Uri("/query", UriKind.Relative), content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode || text.Contains("\"error\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"InfluxQL '{statement}' failed ({(int)response.StatusCode}): {text}");
        }

        return JsonDocument.Parse(text);
    }

    /// <summary>Writes line protocol (millisecond times) straight to <paramref name="database"/>.</summary>
    public async Task WriteAsync(string database, string lines, CancellationToken cancellationToken)
    {
        using var content = new StringContent(lines, Encoding.UTF8, "text/plain");
        using var response = await _http.PostAsync(new Uri($"/write?db={Uri.EscapeDataString(database)}&precision=ms", UriKind.Relative), content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"write failed ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>The first value of <c>SELECT COUNT(field) FROM measurement</c>; 0 when there is no row.</summary>
    public async Task<long> CountAsync(string database, string measurement, string field, CancellationToken cancellationToken)
    {
        using var answer = await QueryAsync($"SELECT COUNT(\"{field}\") FROM \"{measurement}\"", cancellationToken, database);
        var result = answer.RootElement.GetProperty("results")[0];
        if (!result.TryGetProperty("series", out var series))
        {
            return 0;
        }

        return series[0].GetProperty("values")[0][1].GetInt64();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        _directory.Delete(recursive: true);
    }
}
