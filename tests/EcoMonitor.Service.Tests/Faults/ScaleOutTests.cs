using System.Text;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Faults;

/// <summary>
/// Two instances, each owning one site through its own subscription (docs/scaling.md#alert-state),
/// on one mosquitto and one VictoriaMetrics, with a fleet on both sites and one alert episode per
/// site: every reading is stored once, and each episode gives exactly one firing and one resolved
/// notification, also when one instance is SIGKILLed in the middle of its episode and restarted.
/// </summary>
public sealed class ScaleOutTests(Servers servers) : IAsyncLifetime
{
    private const int Devices = 3;
    private const int Readings = 20;

    // air-01 of each site reads 80 from reading 5 to 11: it fires at 5 and resolves at 12.
    private const int EpisodeStart = 5;
    private const int EpisodeEnd = 12;

    // The kill comes after reading 8: inside site A's episode, after its firing notification.
    private const int FirstPhase = 9;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _rules = Path.Combine(Path.GetTempPath(), $"ecomonitor-rules-{Guid.NewGuid():N}.yaml");
    private readonly DateTimeOffset _t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds());
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

    [Fact(Timeout = 240_000)]
    public async Task Two_instances_with_disjoint_sites_store_every_reading_once_and_notify_each_episode_once_across_a_kill()
    {
        var ct = TestContext.Current.CancellationToken;
        var siteA = $"so-a-{Guid.NewGuid():N}"[..14];
        var siteB = $"so-b-{Guid.NewGuid():N}"[..14];
        await using var a = await StartAsync(siteA, ct);
        await using var b = await StartAsync(siteB, ct);

        await PublishAsync([siteA, siteB], 0, FirstPhase, ct);
        await Eventually.WaitAsync(() => Notified(siteA, "firing") >= 1 && Notified(siteB, "firing") >= 1, Deadline, "both sites' firing notifications", ct);

        // Killed in the middle of its episode: its alert is firing, the readings that resolve it
        // wait in its session at the broker.
        await a.KillAsync();
        await PublishAsync([siteA, siteB], FirstPhase, Readings, ct);
        await Eventually.WaitAsync(() => Notified(siteB, "resolved") >= 1, Deadline, "site B's resolution while A is down", ct);
        await a.RestartAsync(ct);
        await Eventually.WaitAsync(() => Notified(siteA, "resolved") >= 1, Deadline, "site A's resolution after the restart", ct);

        foreach (var site in new[] { siteA, siteB })
        {
            await AssertStoredOnceAsync(site, ct);
        }

        // Let any late copy arrive before counting: both instances idle, nothing pending.
        foreach (var instance in new[] { a, b })
        {
            await instance.WaitForMetricAsync("ecomonitor_notifications_pending{channel=\"hook\"}", v => v == 0, Deadline, "nothing pending", ct);
        }

        foreach (var site in new[] { siteA, siteB })
        {
            var seen = string.Join("; ", _receivers.Webhook.Accepted.SelectMany(r => r.Body.GetProperty("alerts").EnumerateArray())
                .Where(n => n.GetProperty("site").GetString() == site).Select(n => n.GetRawText()));
            Assert.True(Episodes(site, "firing") == 1 && Episodes(site, "resolved") == 1, $"site {(site == siteA ? "A (killed)" : "B")}: {seen}");
            Assert.Single(Alerts(site).Select(n => n.Id).Distinct(StringComparer.Ordinal));
            Assert.All(Alerts(site), n => Assert.Equal("air-01", n.Device));
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task An_instance_with_rules_in_a_round_robin_shared_group_refuses_to_start()
    {
        var ct = TestContext.Current.CancellationToken;
        var data = Directory.CreateTempSubdirectory("ecomonitor-data-");
        try
        {
            string[] args = ServiceArguments.For(servers.Mosquitto.Port, $"test-{Guid.NewGuid():N}", servers.VictoriaMetrics.Url, data, "http://127.0.0.1:0", "so-refused",
                [$"--Alerts:RulesFile={_rules}", "--Mqtt:SharedGroup=g1"]);
            await using var app = EcoMonitor.Service.Hosting.EcoMonitorHost.Build(args);
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync(ct));
            Assert.Contains("Mqtt:SharedGroup 'g1' with 1 alert rule(s)", refused.Message, StringComparison.Ordinal);
            Assert.Contains("Mqtt:SharedGroupSticky=true", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _receivers.DisposeAsync();
        File.Delete(_rules);
    }

    private static double Value(int device, int reading) => device == 1 && reading is >= EpisodeStart and < EpisodeEnd ? 80 : 40;

    /// <summary>Every device's pm25 series holds each reading once, with its value, and nothing else.</summary>
    private async Task AssertStoredOnceAsync(string site, CancellationToken ct)
    {
        var series = await servers.VictoriaMetrics.ExportAtLeastAsync($"{{__name__=\"air_pm25\",site=\"{site}\"}}", Devices * Readings, ct);
        Assert.Equal(Devices, series.Count);
        foreach (var s in series)
        {
            var device = int.Parse(s.Metric["device"]["air-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var expected = Enumerable.Range(0, Readings).Select(i => (_t0.AddSeconds(i).ToUnixTimeMilliseconds(), Value(device, i))).ToList();
            Assert.Equal(expected, s.Timestamps.Zip(s.Values).OrderBy(p => p.First).ToList());
        }
    }

    private async Task PublishAsync(string[] sites, int from, int to, CancellationToken ct)
    {
        var messages = new List<(string Topic, byte[] Payload)>();
        for (var i = from; i < to; i++)
        {
            foreach (var site in sites)
            {
                for (var d = 1; d <= Devices; d++)
                {
                    messages.Add(($"eco/{site}/air/air-{d:00}", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(_t0.AddSeconds(i), i, ("pm25", Value(d, i))))));
                }
            }
        }

        await TestPublisher.PublishAsync(servers.Mosquitto, messages, ct);
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
            "--Notifications:Resilience:RetryDelay=00:00:00.200",
            "--Notifications:Resilience:Backoff=00:00:01",
        ]);

    /// <summary>
    /// Alert instances (episodes, by alert id) of <paramref name="site"/> notified in <paramref name="state"/>:
    /// by id, not by key, as docs/scaling.md#alert-state says why.
    /// </summary>
    private int Episodes(string site, string state) =>
        Alerts(site).Where(n => n.State == state).Select(n => n.Id).Distinct(StringComparer.Ordinal).Count();

    /// <summary>Distinct notifications (by idempotency key) of <paramref name="site"/> in <paramref name="state"/>.</summary>
    private int Notified(string site, string state) =>
        Alerts(site).Where(n => n.State == state).Select(n => n.Key).Distinct(StringComparer.Ordinal).Count();

    private List<(string Key, string Id, string State, string Device)> Alerts(string site) =>
        [.. _receivers.Webhook.Accepted
            .SelectMany(r => r.Body.GetProperty("alerts").EnumerateArray())
            .Where(n => n.GetProperty("site").GetString() == site)
            .Select(n => (n.GetProperty("key").GetString()!, n.GetProperty("id").GetString()!, n.GetProperty("state").GetString()!, n.GetProperty("device").GetString()!))];
}
