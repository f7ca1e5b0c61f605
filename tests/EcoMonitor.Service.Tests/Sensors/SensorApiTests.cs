using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;
using MQTTnet;
using MQTTnet.Protocol;

namespace EcoMonitor.Service.Tests.Sensors;

/// <summary>
/// <c>/api/sensors</c> against real mosquitto and VictoriaMetrics: values, online → stale → offline
/// by silence, offline by a Last Will and a retained offline, a bad status dead-lettered, a
/// restart that keeps the directory (docs/sensors.md).
/// </summary>
public sealed class SensorApiTests(Servers servers) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-sensors-api-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Readings_show_with_their_values_and_a_device_that_stops_goes_stale_then_offline()
    {
        var site = $"sen-{Guid.NewGuid():N}"[..16];
        await using var service = await StartAsync(site, "--Sensors:StaleAfter=00:00:01.500", "--Sensors:OfflineAfter=00:00:03", "--Sensors:TickInterval=00:00:00.100");
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        await PublishAsync([($"eco/{site}/air/n1", Reading("""{"pm25": 35.2, "pm10": 61.0}"""))]);
        var seen = new List<string>();
        var sensor = await WaitForAsync(http, site, "n1", s => Record(seen, s) == "online");
        var pm25 = sensor.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "pm25");
        Assert.Equal((35.2, "µg/m³"), (pm25.GetProperty("value").GetDouble(), pm25.GetProperty("unit").GetString()));
        Assert.Equal(1, pm25.GetProperty("hourly").GetArrayLength());
        Assert.Equal(("air", "reporting"), (sensor.GetProperty("kind").GetString(), sensor.GetProperty("statusReason").GetString()));
        Assert.Equal("hj633-2026", sensor.GetProperty("aqi").GetProperty("standard").GetString());

        // Then silence: stale after 1.5 s, offline after 3 s, each seen in turn.
        sensor = await WaitForAsync(http, site, "n1", s => Record(seen, s) == "offline");
        Assert.Equal(["online", "stale", "offline"], seen.Distinct());
        Assert.Contains("Sensors:OfflineAfter", sensor.GetProperty("statusReason").GetString(), StringComparison.Ordinal);
        Assert.Single(await ListAsync(http, $"?site={site}&status=offline"));
        Assert.Empty(await ListAsync(http, $"?site={site}&status=online"));
        Assert.Empty(await ListAsync(http, $"?site={site}&kind=water"));

        using var bad = await http.GetAsync(new Uri("/api/sensors?status=asleep", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("online, stale or offline", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var missing = await http.GetAsync(new Uri($"/api/sensors/{site}/nobody", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_Last_Will_and_a_retained_offline_make_devices_offline_and_a_bad_status_is_dead_lettered()
    {
        var site = $"lwt-{Guid.NewGuid():N}"[..16];
        var retainedTopic = $"eco/{site}/water/w1/status";

        // Retained before the service subscribes: it is handed over at subscription.
        await PublishAsync([(retainedTopic, "offline"u8.ToArray())], retain: true);
        await using var service = await StartAsync(site);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        try
        {
            var w1 = await WaitForAsync(http, site, "w1", s => s.GetProperty("status").GetString() == "offline");
            Assert.Equal(("water", "offline"), (w1.GetProperty("kind").GetString(), w1.GetProperty("announced").GetString()));

            // A node with a Last Will: online, a reading, then its connection drops without a DISCONNECT.
            var node = new MqttClientFactory().CreateMqttClient();
            await node.ConnectAsync(
                new MqttClientOptionsBuilder()
                    .WithTcpServer(servers.Mosquitto.Host, servers.Mosquitto.Port)
                    .WithClientId($"{site}-n2")
                    .WithWillTopic($"eco/{site}/air/n2/status")
                    .WithWillPayload("offline"u8.ToArray())
                    .WithWillRetain(true)
                    .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build(),
                Ct);
            await node.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"eco/{site}/air/n2/status").WithPayload("online").WithRetainFlag(true).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
            await node.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"eco/{site}/air/n2").WithPayload(Reading("""{"pm25": 12}""")).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
            var n2 = await WaitForAsync(http, site, "n2", s => s.GetProperty("status").GetString() == "online" && s.GetProperty("metrics").GetArrayLength() == 1);
            Assert.Equal("online", n2.GetProperty("announced").GetString());
            node.Dispose();

            n2 = await WaitForAsync(http, site, "n2", s => s.GetProperty("status").GetString() == "offline");
            Assert.Contains("Last Will", n2.GetProperty("statusReason").GetString(), StringComparison.Ordinal);
            Assert.Equal(12, n2.GetProperty("metrics")[0].GetProperty("value").GetDouble());

            // A reading after the will: the node is back.
            await PublishAsync([($"eco/{site}/air/n2", Reading("""{"pm25": 13}"""))]);
            await WaitForAsync(http, site, "n2", s => s.GetProperty("status").GetString() == "online");

            // A status that is neither word is refused with its reason, counted, and acknowledged.
            await PublishAsync([($"eco/{site}/air/n3/status", "asleep"u8.ToArray())]);
            var deadLetters = Path.Combine(_data.FullName, "deadletter");
            await Eventually.WaitAsync(() => Directory.Exists(deadLetters) && BadInputTests.ReadDeadLetters(deadLetters).Count > 0, Deadline, "the status dead letter", Ct);
            var record = Assert.Single(BadInputTests.ReadDeadLetters(deadLetters));
            Assert.Equal(($"eco/{site}/air/n3/status", "status", "asleep"), (record.GetProperty("topic").GetString(), record.GetProperty("format").GetString(), record.GetProperty("payload").GetString()));
            Assert.Equal(RejectionCodes.InvalidStatus, record.GetProperty("reasons")[0].GetProperty("code").GetString());
            var metrics = service.Services.GetRequiredService<IngestMetrics>();
            // The record is on disk before the refusal is counted: wait for the count, then check it is exactly one.
            await Eventually.WaitAsync(() => metrics.RejectionsFor(RejectionCodes.InvalidStatus) >= 1, Deadline, "the invalid-status refusal counted", Ct);
            Assert.Equal(1, metrics.RejectionsFor(RejectionCodes.InvalidStatus));
            await Eventually.WaitAsync(() => metrics.MessagesAcknowledged.Value >= metrics.MessagesReceived.Value, Deadline, "every message acknowledged", Ct);
            Assert.Null(await FindAsync(http, site, "n3"));

            // Clearing a retained status takes the node out of the directory.
            await PublishAsync([(retainedTopic, [])], retain: true);
            await Eventually.WaitAsync(async () => await FindAsync(http, site, "w1") is null, Deadline, "w1 to leave the directory", Ct);
        }
        finally
        {
            await PublishAsync([(retainedTopic, []), ($"eco/{site}/air/n2/status", [])], retain: true);
        }
    }

    [Fact]
    public async Task A_restart_keeps_the_directory()
    {
        var site = $"rst-{Guid.NewGuid():N}"[..16];
        await using (var service = await StartAsync(site))
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            await PublishAsync([($"eco/{site}/water/w1", Reading("""{"nh3n": 1.2, "do": 8}"""))]);
            await WaitForAsync(http, site, "w1", s => s.GetProperty("metrics").GetArrayLength() == 2);
        }

        Assert.True(File.Exists(Path.Combine(_data.FullName, "state", "sensors.json")));
        await using (var service = await StartAsync(site))
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            var w1 = (await FindAsync(http, site, "w1"))!.Value;
            Assert.Equal("online", w1.GetProperty("status").GetString());
            Assert.Equal(2, w1.GetProperty("metrics").GetArrayLength());
            var water = w1.GetProperty("waterClass");
            Assert.Equal((4, "Ⅳ", "nh3n"), (water.GetProperty("class").GetInt32(), water.GetProperty("numeral").GetString(), water.GetProperty("decidingMetric").GetString()));
        }
    }

    public void Dispose() => _data.Delete(recursive: true);

    private static string Record(List<string> seen, JsonElement sensor)
    {
        var status = sensor.GetProperty("status").GetString()!;
        seen.Add(status);
        return status;
    }

    private static byte[] Reading(string readings) =>
        Encoding.UTF8.GetBytes($$"""{"ts": {{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}, "readings": {{readings}}}""");

    private static async Task<JsonElement[]> ListAsync(HttpClient http, string query) =>
        (await http.GetFromJsonAsync<JsonElement[]>($"/api/sensors{query}", Ct))!;

    private static async Task<JsonElement?> FindAsync(HttpClient http, string site, string device)
    {
        using var response = await http.GetAsync(new Uri($"/api/sensors/{site}/{device}", UriKind.Relative), Ct);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient http, string site, string device, Func<JsonElement, bool> condition)
    {
        JsonElement found = default;
        await Eventually.WaitAsync(
            async () => await FindAsync(http, site, device) is { } sensor && condition(found = sensor),
            Deadline,
            $"{site}/{device} as expected",
            Ct);
        return found;
    }

    private async Task PublishAsync(IEnumerable<(string Topic, byte[] Payload)> messages, bool retain = false)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(servers.Mosquitto.Host, servers.Mosquitto.Port).WithClientId($"sensors-{Guid.NewGuid():N}").Build(), Ct);
        foreach (var (topic, payload) in messages)
        {
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
        }

        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), Ct);
    }

    private Task<ServiceUnderTest> StartAsync(string site, params string[] extra) =>
        ServiceUnderTest.StartAsync(servers, site, Ct, [$"--DataDirectory={_data.FullName}", .. extra]);
}
