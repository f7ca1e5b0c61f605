using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Alerting;

/// <summary>
/// A PM2.5 episode on real servers, with the service as a child process restarted while the
/// alert fires: exactly one firing and one resolved notification reach the outbox (the hand-off
/// to the notification module), the restart sends nothing new, and the resolution still comes.
/// </summary>
public sealed class AlertEpisodeRestartTests(Servers servers) : IDisposable
{
    private const string Token = "test-token-0123456789abcdef";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _rules = Path.Combine(Path.GetTempPath(), $"ecomonitor-rules-{Guid.NewGuid():N}.yaml");

    public static TheoryData<bool> Crashes => [false, true];

    [Theory]
    [MemberData(nameof(Crashes))]
    public async Task An_episode_with_a_restart_while_firing_gives_one_firing_and_one_resolved_notification(bool crash)
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"ep{(crash ? "k" : "t")}-{Guid.NewGuid():N}"[..16];
        await File.WriteAllTextAsync(_rules, """
            rules:
              - name: pm25-episode
                kind: air
                metric: pm25
                above: 75
                clear_below: 60
                severity: warning
            """, ct);
        await using var service = await ServiceProcess.StartAsync(
            servers.Mosquitto,
            servers.VictoriaMetrics,
            site,
            ct,
            extraArgs:
            [
                $"--Alerts:RulesFile={_rules}",
                "--Alerts:TickInterval=00:00:01",
                "--Alerts:StateSaveInterval=00:00:01",
                $"--Api:Token={Token}",
            ]);
        var outbox = Path.Combine(service.DataDirectory.FullName, "outbox", "notifications.jsonl");
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds());
        var seq = 0;

        // Rising over the limit (fires at 80) and staying there.
        seq = await PublishAsync(site, t0, seq, [40, 60, 80, 95, 110], ct);
        var firing = Assert.Single(await WaitForNotificationsAsync(outbox, 1, ct));
        Assert.Equal(("firing", "started", 80.0), (firing.GetProperty("state").GetString(), firing.GetProperty("reason").GetString(), firing.GetProperty("value").GetDouble()));
        var alertId = firing.GetProperty("alertId").GetString()!;
        await Eventually.WaitAsync(() => ReadLines(outbox).Count == 1 && Delivered(service) == 1, Deadline, "the log channel to deliver the firing notification", ct);

        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        using (var ack = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{alertId}/ack") { Content = JsonContent.Create(new { by = "officer.wang", comment = "on site at 10:40" }) })
        {
            ack.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            using var acked = await http.SendAsync(ack, ct);
            Assert.Equal(HttpStatusCode.OK, acked.StatusCode);
        }

        if (crash)
        {
            await service.KillAsync();
        }
        else
        {
            await service.TerminateAsync();
            Assert.Equal(0, (await service.WaitForExitAsync(Deadline))?.ExitCode);
        }

        await service.RestartAsync(ct);

        // Still firing after the restart: the same alert, acknowledged; more high readings change nothing.
        var alert = await http.GetFromJsonAsync<JsonElement>($"/api/alerts/{alertId}", ct);
        Assert.Equal("firing", alert.GetProperty("state").GetString());
        Assert.Equal("officer.wang", alert.GetProperty("acknowledgement").GetProperty("by").GetString());
        seq = await PublishAsync(site, t0, seq, [120, 100, 70], ct);

        // Falling back under the clear value: resolved, once.
        seq = await PublishAsync(site, t0, seq, [50, 40], ct);
        var all = await WaitForNotificationsAsync(outbox, 2, ct);
        Assert.Equal(2, all.Count);
        var resolved = all[1];
        Assert.Equal(("resolved", "ended", alertId, 50.0), (resolved.GetProperty("state").GetString(), resolved.GetProperty("reason").GetString(), resolved.GetProperty("alertId").GetString(), resolved.GetProperty("value").GetDouble()));
        Assert.Equal(t0.AddSeconds(40), resolved.GetProperty("endsAt").GetDateTimeOffset());
        await Eventually.WaitAsync(() => Delivered(service) == 2, Deadline, "the log channel to deliver the resolved notification", ct);

        // The store holds the two transitions, each once, beside the readings.
        var series = await servers.VictoriaMetrics.ExportAtLeastAsync($"{{__name__=\"alert_firing\",site=\"{site}\"}}", 2, ct);
        Assert.Equal(
            [("firing", t0.AddSeconds(10).ToUnixTimeMilliseconds()), ("resolved", t0.AddSeconds(40).ToUnixTimeMilliseconds())],
            series.SelectMany(s => s.Samples.Select(p => (State: s.Metric["state"], p.Timestamp))).OrderBy(p => p.Timestamp));
        Assert.Empty(await http.GetFromJsonAsync<JsonElement[]>("/api/alerts?state=firing", ct) ?? []);
        Assert.Equal(2, ReadLines(outbox).Count);
    }

    public void Dispose() => File.Delete(_rules);

    /// <returns>The next sequence number; readings are 5 s apart from <paramref name="t0"/>.</returns>
    private async Task<int> PublishAsync(string site, DateTimeOffset t0, int seq, double[] values, CancellationToken ct)
    {
        var messages = new List<(string, byte[])>();
        foreach (var v in values)
        {
            messages.Add(($"eco/{site}/air/n1", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(t0.AddSeconds(seq * 5), seq, ("pm25", v)))));
            seq++;
        }

        await TestPublisher.PublishAsync(servers.Mosquitto, messages, ct);
        return seq;
    }

    private static async Task<List<JsonElement>> WaitForNotificationsAsync(string outbox, int count, CancellationToken ct)
    {
        await Eventually.WaitAsync(() => ReadLines(outbox).Count >= count, Deadline, $"{count} notification(s) in the outbox", ct);
        return ReadLines(outbox);
    }

    private static List<JsonElement> ReadLines(string outbox)
    {
        if (!File.Exists(outbox))
        {
            return [];
        }

        using var stream = new FileStream(outbox, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    private static long Delivered(ServiceProcess service)
    {
        var path = Path.Combine(service.DataDirectory.FullName, "outbox", "cursors", "log");
        return File.Exists(path) && long.TryParse(File.ReadAllText(path), out var n) ? n : 0;
    }
}
