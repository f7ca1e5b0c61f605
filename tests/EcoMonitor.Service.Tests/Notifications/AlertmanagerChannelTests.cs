using System.Globalization;
using System.Net;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Telemetry;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>One real Alertmanager for the tests of this class; each test keeps to its own site.</summary>
public sealed class AlertmanagerFixture : IAsyncLifetime
{
    public AlertmanagerServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await AlertmanagerServer.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary>
/// The Alertmanager channel against a real Alertmanager 0.25: what it holds after our posts, read
/// back through its own API. Real clock: Alertmanager judges endsAt by its own.
/// </summary>
public sealed class AlertmanagerChannelTests(AlertmanagerFixture alertmanager) : IClassFixture<AlertmanagerFixture>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private static readonly Uri PublicUrl = new("https://eco.example.org/");
    private readonly List<IDisposable> _disposables = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private AlertmanagerServer Server => alertmanager.Server;

    [Fact]
    public async Task A_firing_alert_is_active_with_its_labels_and_annotations_and_a_resolved_one_is_no_longer_active()
    {
        var scenario = Scenario(out var site);
        var channel = Channel(scenario, language: "en");
        var startsAt = Now().AddMinutes(-3);
        var pm25 = scenario.Fire("air-01", 80.5, startsAt);
        var silent = scenario.Silent("air-02", startsAt.AddSeconds(10));

        await channel.SendAsync(scenario.Message(channel.Name, [pm25, silent], "en", "UTC"), Ct);

        var active = await WaitForAsync(site, active: true, alerts => alerts.Count == 2, "both alerts active");
        var alert = Assert.Single(active, a => a.Labels["alertname"] == "pm25-high");
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["alertname"] = "pm25-high",
                ["severity"] = "warning",
                ["site"] = site,
                ["device"] = "air-01",
                ["kind"] = "air",
                ["metric"] = "pm25",
                ["alert_id"] = pm25.AlertId,
            },
            alert.Labels);
        Assert.Equal(scenario.Formatter.Line(pm25, zh: false, TimeZoneInfo.Utc, markdown: false), alert.Annotations["summary"]);
        Assert.StartsWith("[FIRING] warning pm25-high at " + site + "/air/air-01: PM2.5 80.5", alert.Annotations["summary"], StringComparison.Ordinal);
        Assert.Equal(ChannelScenario.Pm25Description, alert.Annotations["description"]);
        Assert.Equal("80.5", alert.Annotations["value"]);
        Assert.Equal("75", alert.Annotations["threshold"]);
        Assert.Equal(startsAt, alert.StartsAt);
        Assert.Equal("active", alert.Status.State);
        Assert.Equal($"https://eco.example.org/alerts/{pm25.AlertId}", alert.GeneratorUrl);

        // Firing: no endsAt sent, so Alertmanager holds it for its resolve_timeout (5m here).
        Assert.True(alert.EndsAt > Now().AddMinutes(4), $"endsAt {alert.EndsAt:o}");

        // A deadman alert has no metric: no metric label at all (not an empty one).
        var deadman = Assert.Single(active, a => a.Labels["alertname"] == "node-silent");
        Assert.False(deadman.Labels.ContainsKey("metric"));
        Assert.Equal(silent.AlertId, deadman.Labels["alert_id"]);
        Assert.False(deadman.Annotations.ContainsKey("description"));
        Assert.Equal(2, channel.TrackedCount);

        // Resolved: endsAt is the time it ended, so Alertmanager no longer lists it, active or not.
        var endsAt = Now().AddSeconds(-1);
        var resolved = scenario.Resolve("air-01", 40, endsAt);
        await channel.SendAsync(scenario.Message(channel.Name, [resolved], "en", "UTC"), Ct);

        await WaitForAsync(site, active: null, alerts => alerts.All(a => a.Labels["alert_id"] != pm25.AlertId), "the resolved alert to be gone");
        var stillActive = await Server.AlertsAsync([$"site=\"{site}\""], active: true, Ct);
        Assert.Equal([silent.AlertId], stillActive.Select(a => a.Labels["alert_id"]));
        Assert.Equal(1, channel.TrackedCount);
    }

    [Fact]
    public async Task A_severity_change_ends_the_alert_of_the_old_severity()
    {
        var scenario = Scenario(out var site);
        var channel = Channel(scenario);
        var startsAt = Now().AddMinutes(-5);
        var fired = scenario.Fire("air-01", 90, startsAt);
        await channel.SendAsync(scenario.Message(channel.Name, [fired]), Ct);
        await WaitForAsync(site, active: true, alerts => alerts.Count == 1, "the warning alert");

        var escalated = scenario.Escalate("air-01", 160, Now().AddSeconds(-2), AlertSeverity.Critical);
        Assert.Equal(NotificationReason.SeverityChanged, escalated.Reason);
        await channel.SendAsync(scenario.Message(channel.Name, [escalated]), Ct);

        var alerts = await WaitForAsync(site, active: null, alerts => alerts.Count == 1 && alerts[0].Labels["severity"] == "critical", "only the critical alert");
        Assert.Equal((fired.AlertId, startsAt), (alerts[0].Labels["alert_id"], alerts[0].StartsAt));
        Assert.Equal("160", alerts[0].Annotations["value"]);
    }

    [Fact]
    public async Task A_tick_reposts_the_firing_alerts_this_channel_delivered_and_nothing_else()
    {
        var scenario = Scenario(out var site);
        var channel = Channel(scenario);
        Assert.Equal(TimeSpan.FromSeconds(30), channel.Interval);
        var startsAt = Now().AddMinutes(-10);
        var kept = scenario.Fire("air-01", 80, startsAt);
        var endedElsewhere = scenario.Fire("air-02", 85, startsAt);
        await channel.SendAsync(scenario.Message(channel.Name, [kept, endedElsewhere]), Ct);
        var before = await WaitForAsync(site, active: true, alerts => alerts.Count == 2, "both alerts active");

        // The book resolves air-02 (its notification not delivered here yet), and air-03 fires
        // (its notification never delivered here: routed elsewhere, say).
        scenario.Resolve("air-02", 50, Now().AddSeconds(-1));
        var neverDelivered = scenario.Fire("air-03", 99, startsAt);

        // Alertmanager stamps updatedAt (and moves endsAt on) at every post it takes.
        var keptBefore = before.Single(a => a.Labels["alert_id"] == kept.AlertId);
        var otherBefore = before.Single(a => a.Labels["alert_id"] == endedElsewhere.AlertId);
        await Eventually.WaitAsync(() => Now() > keptBefore.UpdatedAt.AddMilliseconds(5), Deadline, "the clock to move past updatedAt", Ct);
        await channel.TickAsync(Ct);

        var after = await WaitForAsync(
            site,
            active: null,
            alerts => alerts.Any(a => a.Labels["alert_id"] == kept.AlertId && a.UpdatedAt > keptBefore.UpdatedAt),
            "air-01 re-posted");
        var keptAfter = after.Single(a => a.Labels["alert_id"] == kept.AlertId);
        Assert.True(keptAfter.EndsAt > keptBefore.EndsAt);
        Assert.Equal(keptBefore.Annotations, keptAfter.Annotations);
        Assert.Equal(otherBefore.UpdatedAt, after.Single(a => a.Labels["alert_id"] == endedElsewhere.AlertId).UpdatedAt);
        Assert.DoesNotContain(after, a => a.Labels["alert_id"] == neverDelivered.AlertId);
        Assert.Equal(1, channel.TrackedCount);
    }

    [Fact]
    public async Task A_tick_with_nothing_delivered_posts_nothing()
    {
        var scenario = Scenario(out var site);
        var channel = Channel(scenario);
        scenario.Fire("air-01", 80, Now().AddMinutes(-1));

        await channel.TickAsync(Ct);

        Assert.Empty(await Server.AlertsAsync([$"site=\"{site}\""], active: null, Ct));
    }

    [Fact]
    public async Task A_wrong_base_url_is_refused_for_good()
    {
        var scenario = Scenario(out _);
        var channel = Channel(scenario, url: new Uri(Server.Url, "no-such-prefix/"));

        var refused = await Assert.ThrowsAsync<ChannelDeliveryException>(
            () => channel.SendAsync(scenario.Message(channel.Name, [scenario.Fire("air-01", 80, Now())]), Ct));

        Assert.False(refused.Retryable);
        Assert.Contains("404", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, channel.TrackedCount);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, false, null)]
    [InlineData(HttpStatusCode.TooManyRequests, true, 7)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true, null)]
    [InlineData(HttpStatusCode.InternalServerError, true, null)]
    public async Task Answers_map_to_retryable_or_not(HttpStatusCode status, bool retryable, int? retryAfterSeconds)
    {
        // Alertmanager does not refuse what this channel sends; the mapping is checked against canned answers.
        var scenario = Scenario(out _);
        using var handler = new CannedHandler(status, retryAfterSeconds);
        using var http = new HttpClient(handler);
        var channel = Channel(scenario, http: http);

        var refused = await Assert.ThrowsAsync<ChannelDeliveryException>(
            () => channel.SendAsync(scenario.Message(channel.Name, [scenario.Fire("air-01", 80, Now())]), Ct));

        Assert.Equal(retryable, refused.Retryable);
        Assert.Equal(retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null, refused.RetryAfter);
        Assert.Contains(((int)status).ToString(CultureInfo.InvariantCulture), refused.Message, StringComparison.Ordinal);
        Assert.Equal(new Uri(Server.Url, "api/v2/alerts"), handler.LastUri);
    }

    [Fact]
    public async Task After_a_restart_the_first_tick_re_posts_the_firing_alerts_this_channel_had_delivered()
    {
        var scenario = Scenario(out var site);
        var startsAt = Now().AddMinutes(-2);
        var delivered = scenario.Fire("air-01", 90, startsAt);
        var elsewhere = scenario.Fire("air-02", 95, startsAt);
        var undelivered = scenario.Fire("air-03", 99, startsAt);

        // The outbox of the previous run: air-01 delivered here, air-02 routed to another channel, air-03 not reached yet.
        var data = Directory.CreateTempSubdirectory("ecomonitor-am-");
        _disposables.Add(new Cleanup(() => data.Delete(recursive: true)));
        var outbox = new NotificationOutbox(
            MsOptions.Create(new DataDirectoryOptions { DataDirectory = data.FullName }),
            MsOptions.Create(new NotificationOptions()),
            new NotificationMetrics(new RuntimeMetrics()),
            NullLogger<NotificationOutbox>.Instance);
        _disposables.Add(outbox);
        outbox.Register("alertmanager");
        outbox.Append([delivered, elsewhere, undelivered]);
        outbox.MarkDelivered("alertmanager", elsewhere.Sequence);
        var router = new EcoMonitor.Notifications.Routing.NotificationRouter(MsOptions.Create(new NotificationOptions
        {
            Routes =
            [
                new RouteOptions { Match = new NotificationMatcher { Device = "air-02" }, Channels = ["other"] },
                new RouteOptions { Match = new NotificationMatcher(), Channels = ["alertmanager"] },
            ],
        }));

        var channel = Channel(scenario, language: "en", outbox: outbox, router: router);
        await channel.TickAsync(Ct);

        var active = await WaitForAsync(site, active: true, alerts => alerts.Count >= 1, "the re-posted alert");
        Assert.Equal("air-01", Assert.Single(active).Labels["device"]);
        Assert.Equal(1, channel.TrackedCount);
    }

    private sealed class Cleanup(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }
    }

    /// <summary>Now, to the millisecond (Alertmanager keeps milliseconds).</summary>
    private static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private ChannelScenario Scenario(out string site)
    {
        site = $"am-{Guid.NewGuid():N}"[..12];
        var scenario = new ChannelScenario(site, TimeProvider.System, new NotificationOptions { PublicUrl = PublicUrl });
        _disposables.Add(scenario);
        return scenario;
    }

    private AlertmanagerChannel Channel(ChannelScenario scenario, string? language = null, Uri? url = null, HttpClient? http = null, NotificationOutbox? outbox = null, EcoMonitor.Notifications.Routing.NotificationRouter? router = null)
    {
        if (http is null)
        {
            http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            _disposables.Add(http);
        }

        var channel = new AlertmanagerChannel(
            new ChannelOptions
            {
                Name = "alertmanager",
                Type = "alertmanager",
                Url = url ?? Server.Url,
                Language = language,
                TimeZone = "UTC",
                ResendInterval = TimeSpan.FromSeconds(30),
            },
            http,
            scenario.Formatter,
            scenario.Book,
            MsOptions.Create(scenario.Options),
            TimeProvider.System,
            NullLogger<AlertmanagerChannel>.Instance,
            outbox,
            router);
        _disposables.Add(channel);
        return channel;
    }

    private async Task<IReadOnlyList<AlertmanagerAlert>> WaitForAsync(string site, bool? active, Func<IReadOnlyList<AlertmanagerAlert>, bool> condition, string what)
    {
        IReadOnlyList<AlertmanagerAlert> alerts = [];
        await Eventually.WaitAsync(
            async () => condition(alerts = await Server.AlertsAsync([$"site=\"{site}\""], active, Ct)),
            Deadline,
            TimeSpan.FromMilliseconds(100),
            $"{what} in Alertmanager",
            Ct);
        return alerts;
    }

    private sealed class CannedHandler(HttpStatusCode status, int? retryAfterSeconds) : HttpMessageHandler
    {
        public Uri? LastUri { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastUri = request.RequestUri;
            var response = new HttpResponseMessage(status) { Content = new StringContent("\"canned refusal\"") };
            if (retryAfterSeconds is { } seconds)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
            }

            return Task.FromResult(response);
        }
    }
}
