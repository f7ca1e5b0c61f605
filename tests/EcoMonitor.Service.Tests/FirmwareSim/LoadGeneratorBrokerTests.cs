using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Load;
using EcoMonitor.Service.Tests.Fixtures;
using MQTTnet;

namespace EcoMonitor.Service.Tests.FirmwareSim;

/// <summary>
/// The load generator against a real mosquitto on a free loopback port: every planned message is
/// acknowledged and delivered. Counts only: speed is measured by deploy/local/load.sh, never asserted.
/// </summary>
public sealed class LoadGeneratorBrokerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public async Task Every_planned_message_reaches_a_subscriber(int qos)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoServer.StartAsync(ct);
        var directory = Directory.CreateTempSubdirectory("ecomonitor-load-");
        var factory = new MqttClientFactory();
        using var subscriber = factory.CreateMqttClient();
        var received = 0;
        var topics = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            Interlocked.Increment(ref received);
            topics.AddOrUpdate(e.ApplicationMessage.Topic, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(factory.CreateClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("load-test-sub").Build(), ct);
        await subscriber.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter("eco/#", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);

        var summaryFile = Path.Combine(directory.FullName, "load.json");
        var options = new LoadOptions
        {
            Fleet = new FleetOptions { Port = broker.Port, Qos = qos, Duration = TimeSpan.FromSeconds(2), SummaryFile = summaryFile, ClientIdPrefix = "load-test" },
            Rate = 500,
            Devices = 50,
            Connections = 3,
        };
        using var log = new StringWriter();
        var progress = new RecordingProgress();
        var summary = await new LoadGenerator(TimeProvider.System, log).RunAsync(options, progress, ct);

        Assert.Equal((1000L, 1000L, 1000L, 0L, 0L), (summary.Planned, summary.Sent, summary.Completed, summary.Failed, summary.Unsent));
        Assert.Equal(1000, summary.Latency.Samples);
        Assert.Equal((50, 3, qos), (summary.Devices, summary.Connections, summary.Qos));
        Assert.True(summary.Latency.P50Ms <= summary.Latency.P99Ms && summary.Latency.P99Ms <= summary.Latency.MaxMs);
        Assert.True(summary.Readings is >= 4000 and <= 6000);
        Assert.Contains("connected connections=3 devices=50", log.ToString(), StringComparison.Ordinal);
        Assert.True(progress.Snapshots > 0);

        // At QoS 0 over loopback nothing is lost in practice; the subscriber sees every message, 20 per device.
        await Eventually.WaitAsync(() => Volatile.Read(ref received) >= 1000, TimeSpan.FromSeconds(10), "1000 messages at the subscriber", ct);
        Assert.Equal(1000, Volatile.Read(ref received));
        Assert.Equal(50, topics.Count);
        Assert.All(topics.Values, n => Assert.Equal(20, n));

        var json = await File.ReadAllTextAsync(summaryFile, ct);
        Assert.Contains("\"completed\": 1000", json, StringComparison.Ordinal);
        Assert.Contains("\"p99Ms\":", json, StringComparison.Ordinal);
        directory.Delete(recursive: true);
    }

    [Fact]
    public async Task An_unreachable_broker_is_a_connection_failure()
    {
        var options = new LoadOptions { Fleet = new FleetOptions { Port = FreePort.Next(), Duration = TimeSpan.FromSeconds(1) }, Rate = 10 };
        await Assert.ThrowsAsync<FleetConnectionException>(() => new LoadGenerator(TimeProvider.System).RunAsync(options, null, TestContext.Current.CancellationToken));
    }

    private sealed class RecordingProgress : ILoadProgress
    {
        public int Snapshots;

        public async Task RunAsync(Func<LoadSnapshot> snapshot, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                snapshot();
                Interlocked.Increment(ref Snapshots);
                try
                {
                    await Task.Delay(100, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
