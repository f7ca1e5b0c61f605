using System.Collections.Concurrent;
using System.Text.Json;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Notifications.Delivery;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Notifications.Templates;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>
/// Delivery to one channel on a fake clock, with a hand-written channel that records what it is
/// given and fails when told: grouping, rate limits, retries, give-ups, routes, silences, expiry.
/// </summary>
public sealed partial class ChannelWorkerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-worker-");
    private readonly FakeTimeProvider _time = new(Start);
    private readonly NotificationMetrics _metrics = new(new RuntimeMetrics());
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly FakeChannel _channel = new("robot");
    private long _sequence;

    [Fact]
    public async Task Notifications_of_one_site_within_the_window_go_out_as_one_message()
    {
        var (outbox, worker) = Open(new NotificationOptions { GroupWindow = TimeSpan.FromSeconds(10) });
        outbox.Append([Make("site-a"), Make("site-b")]);
        _time.Advance(TimeSpan.FromSeconds(4));
        outbox.Append([Make("site-a"), Make("site-a")]);

        // The window of the first notification has not closed: nothing yet, and the worker says when to look again.
        Assert.Equal(TimeSpan.FromSeconds(6), await worker.RoundAsync(TestContext.Current.CancellationToken));
        Assert.Empty(_channel.Messages);

        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Null(await worker.RoundAsync(TestContext.Current.CancellationToken));
        Assert.Equal([("site-a", 3), ("site-b", 1)], _channel.Messages.Select(m => (m.Site, m.Notifications.Count)));
        Assert.Equal(4, outbox.DeliveredTo("robot"));
        Assert.Equal(4, _metrics.NotificationsSent.WithLabels("robot").Value);
        Assert.Equal(2, _metrics.NotificationMessages.WithLabels("robot").Value);
    }

    [Fact]
    public async Task A_storm_of_500_alerts_from_one_site_in_10_seconds_is_a_handful_of_messages_within_the_rate_limit()
    {
        var (outbox, worker) = Open(
            new NotificationOptions { GroupWindow = TimeSpan.FromSeconds(10), MaxGroupSize = 100 },
            new ChannelOptions { Name = "robot", Type = "dingtalk" });
        var sent = new List<(DateTimeOffset At, int Count)>();
        for (var i = 0; i < 500; i++)
        {
            outbox.Append([Make("site-a")]);
            _time.Advance(TimeSpan.FromMilliseconds(20));
            await RoundAsync(worker, sent);
        }

        for (var i = 0; i < 60 && outbox.DeliveredTo("robot") < 500; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await RoundAsync(worker, sent);
        }

        Assert.Equal(500, sent.Sum(s => s.Count));
        Assert.Equal(5, sent.Count);
        Assert.All(sent, s => Assert.Equal(100, s.Count));
        Assert.Equal(500, outbox.DeliveredTo("robot"));

        // 20 a minute is the robot's limit: 5 messages are far within it, none waited.
        Assert.True(sent[^1].At - Start < TimeSpan.FromSeconds(20), $"last message at {sent[^1].At - Start}");
    }

    [Fact]
    public async Task Over_the_rate_limit_messages_wait_for_their_turn_and_none_is_dropped()
    {
        var (outbox, worker) = Open(
            new NotificationOptions { GroupWindow = TimeSpan.Zero },
            new ChannelOptions { Name = "robot", Type = "wecom" });
        for (var i = 0; i < 30; i++)
        {
            outbox.Append([Make($"site-{i:00}")]);
        }

        var wake = await worker.RoundAsync(TestContext.Current.CancellationToken);
        Assert.Equal(20, _channel.Messages.Count);
        Assert.Equal(TimeSpan.FromSeconds(3), wake);

        _time.Advance(TimeSpan.FromSeconds(3));
        await worker.RoundAsync(TestContext.Current.CancellationToken);
        Assert.Equal(21, _channel.Messages.Count);

        _time.Advance(TimeSpan.FromSeconds(27));
        await worker.RoundAsync(TestContext.Current.CancellationToken);
        Assert.Equal(30, _channel.Messages.Count);
        Assert.Equal(30, outbox.DeliveredTo("robot"));
    }

    [Fact]
    public async Task A_failing_channel_keeps_its_notifications_backs_off_and_delivers_each_once_when_it_is_back()
    {
        var (outbox, worker) = Open(new NotificationOptions { GroupWindow = TimeSpan.Zero });
        outbox.Append([Make("site-a"), Make("site-b")]);
        _channel.FailNext = int.MaxValue;

        Assert.Equal(TimeSpan.FromSeconds(5), await worker.RoundAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, outbox.DeliveredTo("robot"));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(10), await worker.RoundAsync(TestContext.Current.CancellationToken));

        // Signalled early by a new notification: still waits out the backoff.
        outbox.Append([Make("site-c")]);
        Assert.Equal(TimeSpan.FromSeconds(10), await worker.RoundAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, _channel.Attempts);

        _channel.FailNext = 0;
        _time.Advance(TimeSpan.FromSeconds(10));
        await worker.RoundAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["site-a", "site-b", "site-c"], _channel.Messages.Select(m => m.Site));
        Assert.Equal(3, outbox.DeliveredTo("robot"));
        Assert.Equal(2, _metrics.NotificationsFailed.WithLabels("robot").Value);
    }

    [Fact]
    public async Task A_rate_limit_refusal_waits_as_long_as_the_destination_asks()
    {
        var (outbox, worker) = Open(new NotificationOptions { GroupWindow = TimeSpan.Zero });
        outbox.Append([Make("site-a")]);
        _channel.FailNext = 1;
        _channel.RetryAfter = TimeSpan.FromSeconds(60);

        Assert.Equal(TimeSpan.FromSeconds(60), await worker.RoundAsync(TestContext.Current.CancellationToken));
        _time.Advance(TimeSpan.FromSeconds(59));
        await worker.RoundAsync(TestContext.Current.CancellationToken);
        Assert.Empty(_channel.Messages);
        _time.Advance(TimeSpan.FromSeconds(1));
        await worker.RoundAsync(TestContext.Current.CancellationToken);
        Assert.Single(_channel.Messages);
    }

    [Fact]
    public async Task A_message_the_destination_refuses_for_good_is_given_up_and_counted_and_the_rest_flows()
    {
        var (outbox, worker) = Open(new NotificationOptions { GroupWindow = TimeSpan.Zero });
        outbox.Append([Make("site-a"), Make("site-b")]);
        _channel.RefuseSite = "site-a";

        await worker.RoundAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["site-b"], _channel.Messages.Select(m => m.Site));
        Assert.Equal(2, outbox.DeliveredTo("robot"));
        Assert.Equal(1, _metrics.NotificationsGivenUp.WithLabels("robot").Value);
    }

    [Fact]
    public async Task Routes_silences_and_expiry_decide_what_is_sent_and_the_cursor_moves_past_all_of_it()
    {
        var options = new NotificationOptions
        {
            GroupWindow = TimeSpan.Zero,
            MaxAge = TimeSpan.FromHours(1),
            Channels = [new ChannelOptions { Name = "robot", Type = "log" }, new ChannelOptions { Name = "mail", Type = "log" }],
            Routes =
            [
                new RouteOptions { Match = new NotificationMatcher { Severity = "critical" }, Channels = ["robot"], Continue = true },
                new RouteOptions { Match = new NotificationMatcher { Site = "bj-*" }, Channels = ["robot"] },
                new RouteOptions { Match = new NotificationMatcher(), Channels = ["mail"] },
            ],
            Silences = [new SilenceOptions { Match = new NotificationMatcher { Device = "maintenance-*" }, Until = Start + TimeSpan.FromHours(2) }],
        };
        var (outbox, worker) = Open(options);
        var old = Make("bj-1");
        _time.Advance(TimeSpan.FromHours(1.5));
        outbox.Append([old]);
        outbox.Append([Make("bj-2"), Make("sh-1"), Make("sh-2", AlertSeverity.Critical), Make("bj-3", device: "maintenance-7")]);

        await worker.RoundAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["bj-2", "sh-2"], _channel.Messages.Select(m => m.Site));
        Assert.Equal(5, outbox.DeliveredTo("robot"));
        Assert.Equal(1, _metrics.NotificationsExpired.WithLabels("robot").Value);
        Assert.Equal(1, _metrics.NotificationsSkipped.WithLabels("robot", "unrouted").Value);
        Assert.Equal(1, _metrics.NotificationsSkipped.WithLabels("robot", "silenced").Value);

        // The silence ends: the next maintenance alert is sent.
        _time.Advance(TimeSpan.FromHours(1));
        outbox.Append([Make("bj-4", device: "maintenance-7")]);
        await worker.RoundAsync(TestContext.Current.CancellationToken);
        Assert.Equal("bj-4", _channel.Messages[^1].Site);
    }

    [Fact]
    public async Task A_storm_reaches_a_dingtalk_robot_as_5_signed_messages_and_a_too_fast_refusal_is_waited_out()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var robots = await RobotReceivers.StartAsync(_time, ct);
        var options = new ChannelOptions { Name = "robot", Type = "dingtalk", Url = robots.DingTalkUrl(), Secret = robots.DingTalk.Secret };
        using var http = new HttpClient();
        var (outbox, worker) = Open(
            new NotificationOptions { GroupWindow = TimeSpan.FromSeconds(10), MaxGroupSize = 100 },
            options,
            new DingTalkChannel(options, http, _time, NullLogger<DingTalkChannel>.Instance));

        // 500 alerts from one site within 10 s; DingTalk answers the first message with 130101.
        robots.DingTalk.SendTooFast(1);
        for (var i = 0; i < 500; i++)
        {
            outbox.Append([Make("site-a")]);
            _time.Advance(TimeSpan.FromMilliseconds(20));
            await worker.RoundAsync(ct);
        }

        var waits = 0;
        while (outbox.DeliveredTo("robot") < 500 && waits++ < 200)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await worker.RoundAsync(ct);
        }

        // The refusal cost one minute (DingTalk's window); then 5 messages of 100, each signed.
        Assert.Equal(500, outbox.DeliveredTo("robot"));
        Assert.Equal(5, robots.DingTalk.Accepted.Count);
        Assert.Equal(6, robots.DingTalk.Requests);
        Assert.InRange(_time.GetUtcNow() - Start, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(90));
        Assert.Equal(500, _metrics.NotificationsSent.WithLabels("robot").Value);
        Assert.Equal(1, _metrics.NotificationsFailed.WithLabels("robot").Value);
    }

    [Fact]
    public async Task A_feishu_frequency_refusal_is_waited_out_and_the_card_still_delivered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var robots = await RobotReceivers.StartAsync(_time, ct);
        var options = new ChannelOptions { Name = "robot", Type = "feishu", Url = robots.FeishuUrl(), Secret = robots.Feishu.Secret };
        using var http = new HttpClient();
        var (outbox, worker) = Open(new NotificationOptions { GroupWindow = TimeSpan.Zero }, options, new FeishuChannel(options, http, _time, NullLogger<FeishuChannel>.Instance));
        robots.Feishu.SendTooFast(2);
        outbox.Append([Make("site-a"), Make("site-b")]);

        var wake = await worker.RoundAsync(ct);
        Assert.True(wake >= TimeSpan.FromSeconds(60), $"waits {wake}");
        for (var i = 0; i < 10 && wake is { } delay; i++)
        {
            _time.Advance(delay);
            wake = await worker.RoundAsync(ct);
        }

        // Two refusals of a minute each, then both cards, the second after the rate limit's pause.
        Assert.Equal(2, _metrics.NotificationsFailed.WithLabels("robot").Value);
        Assert.InRange(_time.GetUtcNow() - Start, TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(130));
        Assert.Equal(2, robots.Feishu.Accepted.Count);
        Assert.Equal(2, outbox.DeliveredTo("robot"));
    }

    [Fact]
    public async Task Engine_groups_are_sent_whole_at_once()
    {
        var (outbox, worker) = Open(new NotificationOptions { GroupWindow = TimeSpan.FromMinutes(1) });
        outbox.Append([Make("site-a", group: "backlog-7-site-a"), Make("site-a", group: "backlog-7-site-a"), Make("site-a")]);

        await worker.RoundAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, Assert.Single(_channel.Messages).Notifications.Count);
        Assert.Equal(2, outbox.DeliveredTo("robot"));
    }

    [Fact]
    public async Task A_message_whose_rendering_throws_an_unexpected_exception_twice_does_not_stop_the_channel_and_every_notification_is_delivered_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new NotificationOptions { GroupWindow = TimeSpan.Zero };

        // The formatter fails on the first two messages, as FindSystemTimeZoneById does while tzdata is replaced.
        var (outbox, worker) = Open(options, formatterOptions: new FailingFirstReads(options, 2));
        outbox.Append([Make("site-a"), Make("site-b"), Make("site-c")]);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = worker.RunAsync(stop.Token);

        await Eventually.WaitAsync(
            () =>
            {
                Assert.False(run.IsFaulted, $"the worker died: {run.Exception?.InnerException}");
                _time.Advance(TimeSpan.FromSeconds(1));
                return outbox.DeliveredTo("robot") == 3;
            },
            Deadline,
            "every notification delivered",
            ct);

        await stop.CancelAsync();
        await run;
        Assert.Equal(["site-a", "site-b", "site-c"], _channel.Messages.Select(m => m.Site));
        Assert.Equal(2, _metrics.NotificationsFailed.WithLabels("robot").Value);
        Assert.Equal(3, _metrics.NotificationsSent.WithLabels("robot").Value);
    }

    [Fact]
    public async Task A_delivery_loop_that_throws_is_logged_counted_restarted_with_backoff_and_shown_in_readiness_without_blocking_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var conditions = new ReadinessConditions();
        var log = new RecordingLogger();
        var tuning = new ResilienceTuning { Backoff = TimeSpan.FromSeconds(5), MaxBackoff = TimeSpan.FromMinutes(1) };
        var supervisor = new ChannelSupervisor(tuning, _time, _metrics, conditions, log);
        var health = supervisor.Track("robot");
        var (outbox, worker) = Open(new NotificationOptions { GroupWindow = TimeSpan.Zero }, health: health);
        outbox.Append([Make("site-a"), Make("site-b")]);

        // The loop throws a type nobody expects on its first two runs, then delivers.
        var runs = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var supervised = supervisor.RunAsync(
            "robot",
            "delivery",
            async token =>
            {
                if (Interlocked.Increment(ref runs) <= 2)
                {
                    throw new NotSupportedException($"run {runs}");
                }

                await worker.RunAsync(token);
            },
            stop.Token);

        await Eventually.WaitAsync(() => health.Restarts == 1, Deadline, "the first crash", ct);
        Assert.Equal(ChannelHealth.Restarting, health.State);
        Assert.Equal("NotSupportedException: run 1", health.LastError);
        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(1, Volatile.Read(ref runs));
        _time.Advance(TimeSpan.FromSeconds(0.1));
        await Eventually.WaitAsync(() => health.Restarts == 2, Deadline, "the second run and crash", ct);

        // The backoff doubles: 10 s before the third run.
        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(2, Volatile.Read(ref runs));
        _time.Advance(TimeSpan.FromSeconds(0.1));
        await Eventually.WaitAsync(() => outbox.DeliveredTo("robot") == 2, Deadline, "delivery after the restarts", ct);

        Assert.Equal(["site-a", "site-b"], _channel.Messages.Select(m => m.Site));
        Assert.Equal(2, _metrics.NotificationWorkerRestarts.WithLabels("robot").Value);
        Assert.Equal(2, log.Entries.Count(e => e.Level == LogLevel.Error && e.EventId == 7211 && e.Exception is NotSupportedException));
        Assert.Empty(conditions.Blocking);
        var detail = JsonSerializer.SerializeToElement(Assert.Single(conditions.Details, d => d.Key == "notifications").Value, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var robot = detail.GetProperty("robot");
        Assert.Equal("running", robot.GetProperty("state").GetString());
        Assert.Equal(2, robot.GetProperty("restarts").GetInt32());
        Assert.Equal(0, robot.GetProperty("pending").GetDouble());
        Assert.Equal("NotSupportedException: run 2", robot.GetProperty("lastError").GetString());

        await stop.CancelAsync();
        await supervised;
        Assert.Equal(ChannelHealth.Stopped, health.State);
    }

    [Fact]
    public async Task A_failing_delivery_shows_as_backing_off_with_its_error_until_the_channel_is_back()
    {
        var health = new ChannelHealth(() => 0);
        var (outbox, worker) = Open(new NotificationOptions { GroupWindow = TimeSpan.Zero }, health: health);
        outbox.Append([Make("site-a")]);
        _channel.FailNext = 1;

        await worker.RoundAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ChannelHealth.BackingOff, health.State);
        Assert.Equal("ChannelDeliveryException: down", health.LastError);
        Assert.Equal(Start, health.LastErrorAt);

        _time.Advance(TimeSpan.FromSeconds(5));
        await worker.RoundAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ChannelHealth.Running, health.State);
        Assert.Single(_channel.Messages);
    }

    public void Dispose()
    {
        foreach (var d in _disposables)
        {
            d.Dispose();
        }

        _data.Delete(recursive: true);
    }

    private async Task RoundAsync(ChannelWorker worker, List<(DateTimeOffset, int)> sent)
    {
        var before = _channel.Messages.Count;
        await worker.RoundAsync(TestContext.Current.CancellationToken);
        sent.AddRange(_channel.Messages.Skip(before).Select(m => (_time.GetUtcNow(), m.Notifications.Count)));
    }

    private (NotificationOutbox Outbox, ChannelWorker Worker) Open(
        NotificationOptions options,
        ChannelOptions? channel = null,
        INotificationChannel? destination = null,
        IOptions<NotificationOptions>? formatterOptions = null,
        ChannelHealth? health = null,
        IAuditTrail? trail = null)
    {
        channel ??= new ChannelOptions { Name = "robot", Type = "log" };
        var outbox = new NotificationOutbox(
            MsOptions.Create(new DataDirectoryOptions { DataDirectory = _data.FullName }),
            MsOptions.Create(options),
            _metrics,
            NullLogger<NotificationOutbox>.Instance);
        _disposables.Add(outbox);
        var rules = Path.Combine(_data.FullName, "rules.yaml");
        File.WriteAllText(rules, "rules: []\n");
        var worker = new ChannelWorker(
            destination ?? _channel,
            channel,
            outbox,
            new NotificationRouter(MsOptions.Create(options)),
            new NotificationFormatter(MetricCatalog.Default, formatterOptions ?? MsOptions.Create(options)),
            options,
            new ResilienceTuning { RetryAttempts = 0, BreakerMinimumThroughput = 1000 },
            _time,
            _metrics,
            NullLogger.Instance,
            health,
            trail);
        return (outbox, worker);
    }

    private readonly List<IDisposable> _disposables = [];

    private AlertNotification Make(string site, AlertSeverity severity = AlertSeverity.Warning, string device = "node-01", string? group = null)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var id = AlertInstance.IdFor("pm25-high", SensorKind.Air, site, device, "pm25", _time.GetUtcNow());
        return new AlertNotification(
            sequence, $"{id}:{sequence}", id, NotificationState.Firing, NotificationReason.Started, "pm25-high", severity, SensorKind.Air, site, device, "pm25",
            80, 75, _time.GetUtcNow(), null, _time.GetUtcNow(), false, group, 0, null);
    }

    /// <summary>Records messages; fails the next <see cref="FailNext"/> attempts (retryable), refuses one site for good.</summary>
    private sealed class FakeChannel(string name) : INotificationChannel
    {
        public string Name => name;

        public List<NotificationMessage> Messages { get; } = [];

        public int Attempts { get; private set; }

        public int FailNext { get; set; }

        public TimeSpan? RetryAfter { get; set; }

        public string? RefuseSite { get; set; }

        public Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
        {
            Attempts++;
            if (FailNext > 0)
            {
                FailNext--;
                throw new ChannelDeliveryException("down", retryable: true, RetryAfter);
            }

            if (message.Site == RefuseSite)
            {
                throw new ChannelDeliveryException("content refused", retryable: false);
            }

            Messages.Add(message);
            return Task.CompletedTask;
        }
    }

    /// <summary>Options whose first reads throw (an exception type no delivery code expects), then answer.</summary>
    private sealed class FailingFirstReads(NotificationOptions value, int failures) : IOptions<NotificationOptions>
    {
        private int _reads;

        public NotificationOptions Value => Interlocked.Increment(ref _reads) <= failures
            ? throw new InvalidTimeZoneException("the time zone file is being replaced")
            : value;
    }

    private sealed class RecordingLogger : ILogger
    {
        public ConcurrentQueue<(LogLevel Level, int EventId, Exception? Exception)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, eventId.Id, exception));
    }
}
