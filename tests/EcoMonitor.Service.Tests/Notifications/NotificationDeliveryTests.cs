using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>
/// The service as a child process, on real mosquitto and VictoriaMetrics, notifying a local
/// webhook receiver (signature checked): a receiver down for 60 s, then up, gets every
/// notification once; a restart with a non-empty outbox delivers after the restart, once.
/// </summary>
public sealed class NotificationDeliveryTests(Servers servers) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _rules = Path.Combine(Path.GetTempPath(), $"ecomonitor-rules-{Guid.NewGuid():N}.yaml");
    private RobotReceivers _receivers = null!;

    public async ValueTask InitializeAsync()
    {
        _receivers = await RobotReceivers.StartAsync(TimeProvider.System, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(_rules, """
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                clear_below: 60
                severity: warning
            """, TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = 180_000)]
    public async Task A_channel_down_for_60_seconds_gets_every_notification_once_when_it_is_back()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"dn-{Guid.NewGuid():N}"[..14];
        _receivers.Webhook.Down = true;
        await using var service = await StartAsync(site, ct);

        // Five devices fire, then resolve: ten notifications, all while the receiver is down.
        var downSince = Stopwatch.StartNew();
        await PublishAsync(site, 0, 90, ct);
        await PublishAsync(site, 10, 40, ct);
        await service.WaitForMetricAsync("ecomonitor_notifications_queued_total", v => v >= 10, Deadline, "10 notifications queued", ct);

        // Down for 60 s, while the service keeps trying (each refusal counted).
        await Eventually.WaitAsync(
            () => downSince.Elapsed >= TimeSpan.FromSeconds(60) && _receivers.Webhook.RefusedWhileDown >= 3,
            TimeSpan.FromSeconds(90),
            "a 60-second outage with retries",
            ct);
        Assert.Empty(_receivers.Webhook.Accepted);
        var failed = await service.ReadMetricAsync("ecomonitor_notifications_failed_total{channel=\"hook\"}", ct);
        Assert.True(failed >= 3, $"failed attempts {failed}");
        Assert.Equal(10, await service.ReadMetricAsync("ecomonitor_notifications_pending{channel=\"hook\"}", ct));

        // The channel's trouble shows in readiness, which it does not fail: ingestion goes on.
        using (var http = new HttpClient { BaseAddress = service.BaseAddress })
        using (var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(ct));
            var hook = body.RootElement.GetProperty("checks").GetProperty("ingest").GetProperty("data").GetProperty("notifications").GetProperty("hook");
            Assert.Equal("backing-off", hook.GetProperty("state").GetString());
            Assert.Equal(10, hook.GetProperty("pending").GetDouble());
            Assert.NotNull(hook.GetProperty("lastError").GetString());
        }

        _receivers.Webhook.Down = false;
        await Eventually.WaitAsync(() => Keys().Count >= 10, Deadline, "all 10 notifications at the receiver", ct);
        await service.WaitForMetricAsync("ecomonitor_notifications_pending{channel=\"hook\"}", v => v == 0, Deadline, "nothing pending", ct);

        var keys = Keys();
        Assert.Equal(10, keys.Count);
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(5, Alerts().Count(a => a.State == "firing"));
        Assert.Equal(5, Alerts().Count(a => a.State == "resolved"));
        Assert.Equal(10, await service.ReadMetricAsync("ecomonitor_notifications_sent_total{channel=\"hook\"}", ct));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_restart_with_a_non_empty_outbox_delivers_after_the_restart_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"rs-{Guid.NewGuid():N}"[..14];
        _receivers.Webhook.Down = true;
        await using var service = await StartAsync(site, ct);
        await PublishAsync(site, 0, 90, ct);
        await service.WaitForMetricAsync("ecomonitor_notifications_queued_total", v => v >= 5, Deadline, "5 notifications queued", ct);
        await Eventually.WaitAsync(() => _receivers.Webhook.RefusedWhileDown >= 1, Deadline, "a refused attempt", ct);

        await service.TerminateAsync();
        Assert.Equal(0, (await service.WaitForExitAsync(Deadline))?.ExitCode);
        _receivers.Webhook.Down = false;
        Assert.Empty(_receivers.Webhook.Accepted);

        await service.RestartAsync(ct);
        await Eventually.WaitAsync(() => Keys().Count >= 5, Deadline, "the 5 notifications after the restart", ct);
        await service.WaitForMetricAsync("ecomonitor_notifications_pending{channel=\"hook\"}", v => v == 0, Deadline, "nothing pending", ct);

        // Resolution after the restart: the same alerts end, each notification once.
        await PublishAsync(site, 10, 40, ct);
        await Eventually.WaitAsync(() => Keys().Count >= 10, Deadline, "the 5 resolved notifications", ct);
        var keys = Keys();
        Assert.Equal(10, keys.Count);
        Assert.Equal(10, keys.Distinct(StringComparer.Ordinal).Count());
        var alerts = Alerts();
        Assert.Equal(
            alerts.Where(a => a.State == "firing").Select(a => a.Id).Order(StringComparer.Ordinal),
            alerts.Where(a => a.State == "resolved").Select(a => a.Id).Order(StringComparer.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await _receivers.DisposeAsync();
        File.Delete(_rules);
    }

    private Task<ServiceProcess> StartAsync(string site, CancellationToken ct) => ServiceProcess.StartAsync(
        servers.Mosquitto,
        servers.VictoriaMetrics,
        site,
        ct,
        extraArgs:
        [
            $"--Alerts:RulesFile={_rules}",
            "--Alerts:TickInterval=00:00:01",
            "--Notifications:Channels:0:Name=hook",
            "--Notifications:Channels:0:Type=webhook",
            $"--Notifications:Channels:0:Url={_receivers.WebhookUrl}",
            $"--Notifications:Channels:0:Secret={_receivers.Webhook.Secret}",
            "--Notifications:GroupWindow=00:00:00",
            "--Notifications:Resilience:RetryAttempts=1",
            "--Notifications:Resilience:RetryDelay=00:00:00.200",
            "--Notifications:Resilience:BreakDuration=00:00:05",
            "--Notifications:Resilience:Backoff=00:00:01",
            "--Notifications:Resilience:MaxBackoff=00:00:05",
        ]);

    /// <summary>One reading of <paramref name="value"/> from each of five devices, <paramref name="seconds"/> after a fixed start.</summary>
    private async Task PublishAsync(string site, int seconds, double value, CancellationToken ct)
    {
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds() / 60 * 60);
        await TestPublisher.PublishAsync(
            servers.Mosquitto,
            Enumerable.Range(1, 5).Select(d => ($"eco/{site}/air/n{d}", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(t0.AddSeconds(seconds), seconds, ("pm25", value))))),
            ct);
    }

    private List<string> Keys() => [.. _receivers.Webhook.Accepted.SelectMany(r => r.Body.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("key").GetString()!))];

    private List<(string Id, string State)> Alerts() =>
        [.. _receivers.Webhook.Accepted.SelectMany(r => r.Body.GetProperty("alerts").EnumerateArray().Select(a => (a.GetProperty("id").GetString()!, a.GetProperty("state").GetString()!)))];
}
