[assembly: AssemblyFixture(typeof(EcoMonitor.Service.Tests.Fixtures.Servers))]

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// One mosquitto and one VictoriaMetrics for the whole test assembly, and one InfluxDB 1.x started
/// when a test first asks for it; tests keep apart by site name (and database).
/// </summary>
public sealed class Servers : IAsyncLifetime
{
    private readonly SemaphoreSlim _influxGate = new(1, 1);
    private InfluxDb1Server? _influxDb1;

    public MosquittoServer Mosquitto { get; private set; } = null!;

    public VictoriaMetricsServer VictoriaMetrics { get; private set; } = null!;

    /// <summary>The shared <c>influxd</c> (no authentication), started on first use.</summary>
    public async Task<InfluxDb1Server> InfluxDb1Async(CancellationToken cancellationToken)
    {
        await _influxGate.WaitAsync(cancellationToken);
        try
        {
            return _influxDb1 ??= await InfluxDb1Server.StartAsync(authEnabled: false, cancellationToken);
        }
        finally
        {
            _influxGate.Release();
        }
    }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Mosquitto = await MosquittoServer.StartAsync(ct);
        VictoriaMetrics = await VictoriaMetricsServer.StartAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Mosquitto is not null)
        {
            await Mosquitto.DisposeAsync();
        }

        if (VictoriaMetrics is not null)
        {
            await VictoriaMetrics.DisposeAsync();
        }

        if (_influxDb1 is not null)
        {
            await _influxDb1.DisposeAsync();
        }

        _influxGate.Dispose();
    }
}
