using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MQTTnet;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests;

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
        await using var broker = await Mosquitto.StartAsync(ct);
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

        var summaryFile = Path.Combine(broker.Directory, "load.json");
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
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref received) < 1000 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20, ct);
        }

        Assert.Equal(1000, Volatile.Read(ref received));
        Assert.Equal(50, topics.Count);
        Assert.All(topics.Values, n => Assert.Equal(20, n));

        var json = await File.ReadAllTextAsync(summaryFile, ct);
        Assert.Contains("\"completed\": 1000", json, StringComparison.Ordinal);
        Assert.Contains("\"p99Ms\":", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_broker_is_a_connection_failure()
    {
        var options = new LoadOptions { Fleet = new FleetOptions { Port = Mosquitto.FreePort(), Duration = TimeSpan.FromSeconds(1) }, Rate = 10 };
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

    /// <summary>A mosquitto of its own on a free loopback port, as the service's tests start one.</summary>
    private sealed class Mosquitto : IAsyncDisposable
    {
        private readonly Process _process;

        private Mosquitto(Process process, int port, string directory)
        {
            _process = process;
            Port = port;
            Directory = directory;
        }

        public int Port { get; }

        public string Directory { get; }

        public static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public static async Task<Mosquitto> StartAsync(CancellationToken ct)
        {
            var binary = new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists);
            if (binary is null)
            {
                Assert.Skip("mosquitto is not installed (deploy/local/test.sh installs it)");
            }

            var directory = System.IO.Directory.CreateTempSubdirectory("ecomonitor-load-").FullName;
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, (UnixFileMode)0b111_111_111); // mosquitto started as root drops to its own user
            }

            var port = FreePort();
            var config = Path.Combine(directory, "mosquitto.conf");
            await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
                listener {port} 127.0.0.1
                allow_anonymous true
                persistence false
                log_dest file {directory}/mosquitto.log
                max_queued_messages 1000000
                max_inflight_messages 0
                """), ct);
            var process = Process.Start(new ProcessStartInfo(binary!, ["-c", config]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var started = Stopwatch.StartNew();
            while (true)
            {
                using var client = new TcpClient();
                try
                {
                    await client.ConnectAsync(IPAddress.Loopback, port, ct);
                    return new Mosquitto(process, port, directory);
                }
                catch (SocketException) when (started.Elapsed < TimeSpan.FromSeconds(15) && !process.HasExited)
                {
                    await Task.Delay(50, ct);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temporary folder.
            }
        }
    }
}
