using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;
using MQTTnet;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>
/// The whole way: the service, configured with an alertmanager, an email and an mqtt channel
/// (built by the channel factory from configuration), takes a reading over the limit from the
/// broker and every destination — a real Alertmanager, a real SMTP server, a subscriber on the
/// broker — gets the alert.
/// </summary>
public sealed class ServiceChannelsTests(Servers servers) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _rules = Path.Combine(Path.GetTempPath(), $"ecomonitor-rules-{Guid.NewGuid():N}.yaml");

    [Fact]
    public async Task A_reading_over_the_limit_reaches_alertmanager_email_and_mqtt()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"chn-{Guid.NewGuid():N}"[..16];
        await File.WriteAllTextAsync(_rules, $"""
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                site: "{site}"
                above: 75
                severity: warning
            """, ct);
        await using var alertmanager = await AlertmanagerServer.StartAsync(ct);
        await using var smtp = await SmtpServer.StartAsync(SmtpServerSecurity.None, ct);

        var received = new ConcurrentQueue<(string Topic, byte[] Payload)>();
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(servers.Mosquitto.Host, servers.Mosquitto.Port).WithClientId($"test-{Guid.NewGuid():N}").Build(), ct);
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic($"eco/alerts/{site}/#").WithAtLeastOnceQoS()).Build(), ct);

        await using var service = await ServiceUnderTest.StartAsync(
            servers,
            site,
            ct,
            $"--Alerts:RulesFile={_rules}",
            "--Notifications:GroupWindow=00:00:00",
            "--Notifications:Language=en",
            "--Notifications:TimeZone=UTC",
            "--Notifications:Channels:0:Name=am",
            "--Notifications:Channels:0:Type=alertmanager",
            $"--Notifications:Channels:0:Url={alertmanager.Url}",
            "--Notifications:Channels:1:Name=mail",
            "--Notifications:Channels:1:Type=email",
            $"--Notifications:Channels:1:SmtpHost={smtp.Host}",
            $"--Notifications:Channels:1:SmtpPort={smtp.Port}",
            "--Notifications:Channels:1:SmtpSecurity=None",
            "--Notifications:Channels:1:From=eco@example.org",
            "--Notifications:Channels:1:To:0=duty@example.org",
            "--Notifications:Channels:2:Name=bus",
            "--Notifications:Channels:2:Type=mqtt",

            // A filter that also matches the service's own notifications (eco/alerts/{site}/{severity}).
            "--Mqtt:Subscriptions:1:Topic=eco/alerts/{kind}/{device}",
            $"--Mqtt:Subscriptions:1:Site={site}",
            "--Mqtt:Subscriptions:1:Format=native");

        var at = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds());
        await TestPublisher.PublishAsync(servers.Mosquitto, [($"eco/{site}/air/n1", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(at, 1, ("pm25", 80))))], ct);

        await Eventually.WaitAsync(() => !received.IsEmpty, Deadline, "the alert on eco/alerts", ct);
        var (topic, payload) = Assert.Single(received);
        Assert.Equal($"eco/alerts/{site}/warning", topic);
        using var json = JsonDocument.Parse(payload);
        Assert.Equal(("pm25-high", "firing", "n1"), (json.RootElement.GetProperty("rule").GetString(), json.RootElement.GetProperty("state").GetString(), json.RootElement.GetProperty("device").GetString()));
        var id = json.RootElement.GetProperty("id").GetString();

        var mail = Assert.Single(await smtp.WaitForMessagesAsync(1, ct));
        Assert.Equal($"[FIRING] warning pm25-high at {site}/n1", mail.Subject);
        Assert.Equal(id, mail.Headers["X-EcoMonitor-Alert-Ids"]);

        IReadOnlyList<AlertmanagerAlert> alerts = [];
        await Eventually.WaitAsync(
            async () => (alerts = await alertmanager.AlertsAsync([$"site=\"{site}\""], active: true, ct)).Count == 1,
            Deadline,
            TimeSpan.FromMilliseconds(200),
            "the alert active in Alertmanager",
            ct);
        Assert.Equal((id, at), (alerts[0].Labels["alert_id"], alerts[0].StartsAt));

        // The service heard its own notification on its ingest subscription: acknowledged, not a bad reading.
        await Eventually.WaitAsync(() => service.Metrics.MessagesIgnored.Value >= 1, Deadline, "the own notification acknowledged unread", ct);
        Assert.Equal(0, service.Metrics.DeadLettered.Value);
    }

    public void Dispose() => File.Delete(_rules);
}
