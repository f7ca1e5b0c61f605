using System.Globalization;
using System.Text;
using System.Text.Json;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Ingest.Mqtt;
using EcoMonitor.Service.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using static EcoMonitor.Service.Tests.Faults.FaultLog;
using static EcoMonitor.Service.Tests.Faults.FaultMetrics;

namespace EcoMonitor.Service.Tests.Faults;

/// <summary>
/// Huge payloads on a device's topic: the service must not take them into memory, nor fill the
/// dead-letter store with them, and good readings keep being stored meanwhile. The shipped broker
/// configuration refuses them to the device that sends them.
/// </summary>
[Collection(FaultInjectionCollection.Name)]
public sealed class OversizedPayloadTests
{
    private const int HugeBytes = 50_000_000;
    private const int LargeBytes = 900_000;
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 240_000)]
    public async Task Five_50_MB_payloads_neither_take_the_services_memory_nor_fill_the_dead_letters_and_good_readings_are_stored()
    {
        var ct = TestContext.Current.CancellationToken;
        var traffic = FaultTraffic.Build(FaultTraffic.NewSite("huge"), devices: 5, messagesPerDevice: 200);
        var giantTopic = $"eco/{traffic.Site}/air/node-000";

        // Written once, sent by mosquitto_pub (as a device would): the test's memory is not the subject.
        using var files = new TempFiles();
        var huge = files.Filled("huge", 'x', HugeBytes);
        var large = files.Filled("large", 'y', LargeBytes);
        var chunks = traffic.ForPublisher().Chunk(100).ToList();

        // A broker without limits of its own: the service's Maximum Packet Size is what protects it.
        await using var broker = await MosquittoServer.StartAsync(ct);
        await using var store = await VictoriaMetricsServer.StartAsync(ct);
        await using var service = await ServiceProcess.StartAsync(broker, store, traffic.Site, ct);
        var rssAtStart = service.ResidentMemoryBytes;
        await using var publisher = new FaultPublisher(broker);

        var accepted = 0;
        for (var i = 0; i < chunks.Count; i++)
        {
            var published = await publisher.PublishAsync(chunks[i], PublishTimeout, ct);
            Assert.True(published.Completed, published.ToString());
            accepted += published.AcceptedCount;
            await TestPublisher.MosquittoPubFileAsync(broker, giantTopic, i % 2 == 0 ? huge : large, ct);
        }

        await traffic.WaitUntilStoredAsync(store, traffic.Expected.Count, Deadline, ct);

        // The five payloads between the payload limit and the packet limit arrive and are dead-lettered.
        var deadLettered = await service.WaitForMetricAsync(DeadLettered, v => v >= 5, Deadline, "five dead letters", ct);
        var received = await service.ReadMetricAsync(Received, ct);
        var peak = service.PeakResidentMemoryBytes;
        var deadLetterFiles = Directory.GetFiles(Path.Combine(service.DataDirectory.FullName, "deadletter"));
        var deadLetterBytes = deadLetterFiles.Sum(f => new FileInfo(f).Length);
        var records = deadLetterFiles.SelectMany(File.ReadLines).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var comparison = await traffic.CompareAsync(store, traffic.Expected, ct);

        Log(string.Create(CultureInfo.InvariantCulture, $"""
            {chunks.Count / 2} payloads of {HugeBytes} bytes and {chunks.Count / 2} of {LargeBytes} bytes among {traffic.Messages.Count} good messages ({accepted} accepted)
            service RSS at start {rssAtStart / 1048576.0:F0} MiB, peak (VmHWM) {peak / 1048576.0:F0} MiB; dead letters: {deadLettered} messages, {records.Count} records, {deadLetterBytes} bytes
            store: {comparison}
            """));
        Assert.True(peak < 200L << 20, $"peak RSS {peak} bytes");

        // The broker kept the 50 MB ones from us: more than the packet size we asked for.
        Assert.Equal(traffic.Messages.Count + (chunks.Count / 2), received);
        Assert.True(deadLetterBytes < 1 << 20, $"{deadLetterBytes} bytes of dead letters");
        Assert.All(records, r =>
        {
            Assert.Equal("payload-too-large", r.GetProperty("reasons")[0].GetProperty("code").GetString());
            Assert.Equal(LargeBytes, r.GetProperty("payloadBytes").GetInt64());
            Assert.True(r.GetProperty("payloadTruncated").GetBoolean());
        });
        Assert.True(comparison.IsExact, comparison.ToString());
    }

    [Fact(Timeout = 60_000)]
    public async Task The_shipped_broker_configuration_refuses_an_oversized_publish_to_the_publisher()
    {
        var ct = TestContext.Current.CancellationToken;
        var limits = ShippedLimits();
        var maxPacket = limits["max_packet_size"];
        var maxPayload = limits["message_size_limit"];

        // Below what the service asks for and at what it refuses anyway, so nothing it could take is refused.
        Assert.True(maxPacket < new MqttOptions().MaxPacketBytes, $"max_packet_size {maxPacket}");
        Assert.Equal(new DecoderLimits().MaxPayloadBytes, maxPayload);

        await using var broker = await MosquittoServer.StartAsync(ct, [.. limits.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key} {l.Value}"))]);
        var delivered = new List<int>();
        using var subscriber = await ConnectAsync(broker, ct);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            lock (delivered)
            {
                delivered.Add((int)e.ApplicationMessage.Payload.Length);
            }

            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("eco/limits/#", MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);

        using var device = await ConnectAsync(broker, ct);
        var fits = await device.PublishAsync(Message(maxPayload), ct);
        var overPayload = await device.PublishAsync(Message(maxPayload + 1), ct);
        string overPacket;
        try
        {
            var result = await device.PublishAsync(Message(2_000_000), ct);
            overPacket = $"PUBACK {(int)result.ReasonCode}";
        }
#pragma warning disable CA1031 // Refused locally (the client knows the bound from CONNACK) or disconnected by the broker: either way, refused.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            overPacket = $"{ex.GetType().Name}: {ex.Message}";
        }

        using var marker = await ConnectAsync(broker, ct);
        Assert.True((await marker.PublishAsync(Message(10), ct)).IsSuccess);
        await Eventually.WaitAsync(() => { lock (delivered) { return delivered.Contains(10); } }, TimeSpan.FromSeconds(10), "the marker to be delivered", ct);

        Log($"shipped limits {string.Join(", ", limits)}: {maxPayload} bytes → {fits.ReasonCode}; {maxPayload + 1} bytes → PUBACK {(int)overPayload.ReasonCode}; 2,000,000 bytes → {overPacket}; device still connected: {device.IsConnected}");
        Assert.True(fits.IsSuccess, fits.ReasonCode.ToString());
        Assert.Equal(0x95, (int)overPayload.ReasonCode); // MQTT 5 "packet too large", to the publisher
        Assert.DoesNotContain("PUBACK 0", overPacket, StringComparison.Ordinal);
        lock (delivered)
        {
            Assert.Equal([maxPayload, 10], delivered);
        }
    }

    /// <summary>Payload files in a temporary folder, deleted on dispose.</summary>
    private sealed class TempFiles : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ecomonitor-payloads-");

        public string Filled(string name, char c, int bytes)
        {
            var path = Path.Combine(_directory.FullName, name);
            File.WriteAllText(path, new string(c, bytes), Encoding.ASCII);
            return path;
        }

        public void Dispose() => _directory.Delete(recursive: true);
    }

    /// <summary>The size limits of deploy/mosquitto/mosquitto.conf.</summary>
    private static Dictionary<string, int> ShippedLimits()
    {
        var config = Path.Combine(ServiceProcess.RepositoryRoot().FullName, "deploy", "mosquitto", "mosquitto.conf");
        return File.ReadLines(config)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length == 2 && p[0] is "max_packet_size" or "message_size_limit")
            .ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));
    }

    private static MqttApplicationMessage Message(int bytes) =>
        new MqttApplicationMessageBuilder()
            .WithTopic("eco/limits/air/node-1")
            .WithPayload(new byte[bytes])
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();

    private static async Task<IMqttClient> ConnectAsync(MosquittoServer broker, CancellationToken ct)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(
            new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithProtocolVersion(MqttProtocolVersion.V500).WithClientId($"limits-{Guid.NewGuid():N}").Build(),
            ct);
        return client;
    }
}
