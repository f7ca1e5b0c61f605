using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Ingest.Mqtt;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Runtime.Broker;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>The MQTT channel against a real mosquitto: a subscriber on <c>eco/alerts/#</c> sees what it publishes.</summary>
public sealed class MqttChannelTests(Servers servers) : IDisposable
{
    private static readonly DateTimeOffset StartsAt = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private readonly ChannelScenario _scenario = new($"mqtt-{Guid.NewGuid():N}"[..13], TimeProvider.System);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_notification_is_published_as_json_to_prefix_site_severity_at_qos_1_not_retained()
    {
        await using var subscriber = await Subscriber.StartAsync(servers.Mosquitto, "eco/alerts/#");
        await using var channel = Channel(servers.Mosquitto);
        var warning = _scenario.Fire("air-01", 80.5, StartsAt);
        var critical = _scenario.Fire("air-02", 160, StartsAt.AddSeconds(30), AlertSeverity.Critical);
        var message = _scenario.Message(channel.Name, [warning, critical], "en", "UTC");

        await channel.SendAsync(message, Ct);

        var received = await subscriber.WaitForAsync(m => m.Topic.Contains(_scenario.Site, StringComparison.Ordinal), 2);
        Assert.Equal(
            [$"eco/alerts/{_scenario.Site}/warning", $"eco/alerts/{_scenario.Site}/critical"],
            received.Select(m => m.Topic));
        Assert.All(received, m => Assert.Equal((MqttQualityOfServiceLevel.AtLeastOnce, false), (m.QualityOfServiceLevel, m.Retain)));
        Assert.All(received, m => Assert.Equal("application/json", m.ContentType));

        using var first = JsonDocument.Parse(received[0].Payload);
        var alert = first.RootElement;
        Assert.Equal(warning.AlertId, alert.GetProperty("id").GetString());
        Assert.Equal(warning.Key, alert.GetProperty("key").GetString());
        Assert.Equal("pm25-high", alert.GetProperty("rule").GetString());
        Assert.Equal("firing", alert.GetProperty("state").GetString());
        Assert.Equal("warning", alert.GetProperty("severity").GetString());
        Assert.Equal("air", alert.GetProperty("kind").GetString());
        Assert.Equal(_scenario.Site, alert.GetProperty("site").GetString());
        Assert.Equal("air-01", alert.GetProperty("device").GetString());
        Assert.Equal("pm25", alert.GetProperty("metric").GetString());
        Assert.Equal(80.5, alert.GetProperty("value").GetDouble());
        Assert.Equal(75, alert.GetProperty("threshold").GetDouble());
        Assert.Equal(StartsAt, alert.GetProperty("startsAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("endsAt").ValueKind);
        Assert.Equal("started", alert.GetProperty("reason").GetString());
        Assert.Equal($"[FIRING] warning pm25-high at {_scenario.Site}/air-01", alert.GetProperty("title").GetString());
        Assert.Equal(_scenario.Formatter.Line(warning, zh: false, TimeZoneInfo.Utc, markdown: false), alert.GetProperty("text").GetString());
        Assert.Contains("since 2026-11-28 08:00:00 +00:00", alert.GetProperty("text").GetString(), StringComparison.Ordinal);

        using var second = JsonDocument.Parse(received[1].Payload);
        Assert.Equal((critical.AlertId, "critical"), (second.RootElement.GetProperty("id").GetString(), second.RootElement.GetProperty("severity").GetString()));

        // Resolved: state and endsAt.
        var endsAt = StartsAt.AddMinutes(5);
        var resolved = _scenario.Resolve("air-01", 40, endsAt);
        await channel.SendAsync(_scenario.Message(channel.Name, [resolved], "zh-CN", "UTC"), Ct);
        var all = await subscriber.WaitForAsync(m => m.Topic.Contains(_scenario.Site, StringComparison.Ordinal), 3);
        using var third = JsonDocument.Parse(all[2].Payload);
        Assert.Equal(("resolved", warning.AlertId), (third.RootElement.GetProperty("state").GetString(), third.RootElement.GetProperty("id").GetString()));
        Assert.Equal(endsAt, third.RootElement.GetProperty("endsAt").GetDateTimeOffset());
        Assert.Contains("结束于 2026-11-28 08:05:00 +00:00", third.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("【恢复】", third.RootElement.GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_outage_fails_the_attempt_and_the_next_one_reconnects()
    {
        await using var broker = await MosquittoServer.StartAsync(Ct);
        await using var channel = Channel(broker, clientId: "eco-outage");
        var fired = _scenario.Fire("air-01", 80, StartsAt);
        await channel.SendAsync(_scenario.Message(channel.Name, [fired]), Ct);
        Assert.Contains("as eco-outage-notify", broker.ReadLog(), StringComparison.Ordinal);

        await broker.StopAsync();
        var failed = await Record.ExceptionAsync(() => channel.SendAsync(_scenario.Message(channel.Name, [fired]), Ct));
        Assert.NotNull(failed);
        Assert.IsNotType<ChannelDeliveryException>(failed);

        await broker.StartAgainAsync(Ct);
        await using var subscriber = await Subscriber.StartAsync(broker, "eco/alerts/#");
        await channel.SendAsync(_scenario.Message(channel.Name, [fired]), Ct);
        var received = await subscriber.WaitForAsync(_ => true, 1);
        Assert.Equal($"eco/alerts/{_scenario.Site}/warning", received[0].Topic);
    }

    [Fact]
    public async Task Topic_prefix_is_configurable_and_mqtt_wildcards_in_a_site_are_replaced()
    {
        await using var channel = Channel(servers.Mosquitto, prefix: "city/alarms/");
        var n = _scenario.Fire("air-01", 80, StartsAt) with { Site = "a/b+c#d" };

        Assert.Equal("city/alarms/a_b_c_d/warning", channel.TopicFor(n));
    }

    public void Dispose() => _scenario.Dispose();

    private MqttChannel Channel(MosquittoServer broker, string? clientId = null, string prefix = "eco/alerts") => new(
        new ChannelOptions { Name = "mqtt", Type = "mqtt", TopicPrefix = prefix, TimeZone = "UTC", Timeout = TimeSpan.FromSeconds(5) },
        MsOptions.Create<MqttConnectionOptions>(new MqttOptions
        {
            Host = broker.Host,
            Port = broker.Port,
            ClientId = clientId ?? $"eco-{Guid.NewGuid():N}",
            ConnectTimeout = TimeSpan.FromSeconds(3),
        }),
        new BrokerClientFactory(NullLoggerFactory.Instance),
        _scenario.Formatter,
        MsOptions.Create(_scenario.Options),
        NullLogger<MqttChannel>.Instance);

    /// <summary>A plain MQTTnet subscriber that keeps what it receives.</summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly IMqttClient _client;
        private readonly ConcurrentQueue<Received> _received = new();

        private Subscriber(IMqttClient client) => _client = client;

        public static async Task<Subscriber> StartAsync(MosquittoServer broker, string filter)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var subscriber = new Subscriber(client);
            client.ApplicationMessageReceivedAsync += e =>
            {
                var m = e.ApplicationMessage;
                subscriber._received.Enqueue(new Received(m.Topic, m.Payload.ToArray(), m.QualityOfServiceLevel, m.Retain, m.ContentType));
                return Task.CompletedTask;
            };
            await client.ConnectAsync(
                new MqttClientOptionsBuilder()
                    .WithTcpServer(broker.Host, broker.Port)
                    .WithClientId($"test-subscriber-{Guid.NewGuid():N}")
                    .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                    .Build(),
                Ct);
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS()).Build(), Ct);
            return subscriber;
        }

        public async Task<IReadOnlyList<Received>> WaitForAsync(Func<Received, bool> match, int count)
        {
            await Eventually.WaitAsync(() => _received.Count(match) >= count, Deadline, $"{count} MQTT message(s)", Ct);
            return [.. _received.Where(match)];
        }

        public async ValueTask DisposeAsync()
        {
            await _client.TryDisconnectAsync();
            _client.Dispose();
        }
    }

    private sealed record Received(string Topic, byte[] Payload, MqttQualityOfServiceLevel QualityOfServiceLevel, bool Retain, string? ContentType);
}
