using EcoMonitor.Ingest.Mqtt;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Service.Hosting;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>The EcoMonitor host, in process, wired to the test servers and a temporary data folder.</summary>
public sealed class ServiceUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServiceUnderTest(WebApplication app, DirectoryInfo dataDirectory)
    {
        _app = app;
        DataDirectory = dataDirectory;
    }

    public DirectoryInfo DataDirectory { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The HTTP address the service listens on (a free loopback port).</summary>
    public Uri BaseAddress => new(_app.Urls.First());

    public IngestMetrics Metrics => _app.Services.GetRequiredService<IngestMetrics>();

    public string DeadLetterDirectory => Path.Combine(DataDirectory.FullName, "deadletter");

    /// <summary>
    /// Starts a service subscribed to <c>eco/{site}/+/+</c> only: tests run in parallel on one
    /// broker and each must see its own traffic alone.
    /// </summary>
    public static Task<ServiceUnderTest> StartAsync(Servers servers, string site, CancellationToken cancellationToken, params string[] extraArgs) =>
        StartAsync(servers, site, configure: null, cancellationToken, extraArgs);

    /// <summary>As above; <paramref name="configure"/> runs after the service's own registrations (e.g. to wrap one in a fault).</summary>
    public static async Task<ServiceUnderTest> StartAsync(Servers servers, string site, Action<WebApplicationBuilder>? configure, CancellationToken cancellationToken, params string[] extraArgs)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var data = Directory.CreateTempSubdirectory("ecomonitor-data-");
        var args = ServiceArguments.For(
            servers.Mosquitto.Port,
            $"test-{Guid.NewGuid():N}",
            servers.VictoriaMetrics.Url,
            data,
            "http://127.0.0.1:0",
            site,
            extraArgs);
        var app = EcoMonitorHost.Build(args, configure);
        await app.StartAsync(cancellationToken);
        var service = new ServiceUnderTest(app, data);
        var state = app.Services.GetRequiredService<MqttConnectionState>();
        await Eventually.WaitAsync(() => state.IsConnected, TimeSpan.FromSeconds(20), "the service to connect and subscribe", cancellationToken);
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        DataDirectory.Delete(recursive: true);
    }
}
