[assembly: AssemblyFixture(typeof(EcoMonitor.Service.Tests.Fixtures.Servers))]

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>One mosquitto and one VictoriaMetrics for the whole test assembly; tests keep apart by site name.</summary>
public sealed class Servers : IAsyncLifetime
{
    public MosquittoServer Mosquitto { get; private set; } = null!;

    public VictoriaMetricsServer VictoriaMetrics { get; private set; } = null!;

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
    }
}
