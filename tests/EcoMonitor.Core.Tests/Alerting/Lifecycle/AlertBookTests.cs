using System.Text.Json;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Tests.Alerting.Evaluation;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.Evaluation.EvaluationHarness;

namespace EcoMonitor.Core.Tests.Alerting.Lifecycle;

/// <summary>
/// From transitions to notifications: what an officer hears. The evaluator and the book run on
/// one fake clock; readings are live (the clock follows them) unless a test replays a backlog.
/// </summary>
public sealed class AlertBookTests
{
    private const string Pm25 = """
        rules:
          - name: pm25-high
            kind: air
            metric: pm25
            above: 75
            severity: warning
        """;

    private const string Pm25Hysteresis = """
        rules:
          - name: pm25-high
            kind: air
            metric: pm25
            above: 75
            clear_below: 60
            severity: warning
        """;

    private const string Pm25For5m = """
        rules:
          - name: pm25-high
            kind: air
            metric: pm25
            above: 75
            for: 5m
            severity: warning
        """;

    private const string Pm10Levels = """
        rules:
          - name: pm10-levels
            kind: air
            metric: pm10
            levels:
              - { severity: warning, above: 150, clear_below: 120 }
              - { severity: critical, above: 350, clear_below: 300 }
        """;

    [Fact]
    public void An_episode_gives_one_firing_and_one_resolved_notification_of_one_alert()
    {
        var e = new Engine(Pm25);

        var sent = e.Live("pm25", TimeSpan.Zero, 40, 60, 80, 95, 110, 100, 90, 70, 50, 40);

        Assert.Collection(
            sent,
            n =>
            {
                Assert.Equal(NotificationState.Firing, n.State);
                Assert.Equal(NotificationReason.Started, n.Reason);
                Assert.Equal(80, n.Value);
                Assert.Equal(75, n.Threshold);
                Assert.Equal(Start + Minutes(2), n.StartsAt);
                Assert.Null(n.EndsAt);
                Assert.False(n.Late);
            },
            n =>
            {
                Assert.Equal(NotificationState.Resolved, n.State);
                Assert.Equal(NotificationReason.Ended, n.Reason);
                Assert.Equal(70, n.Value);
                Assert.Equal(Start + Minutes(2), n.StartsAt);
                Assert.Equal(Start + Minutes(7), n.EndsAt);
            });
        Assert.Equal(sent[0].AlertId, sent[1].AlertId);
        Assert.Equal(AlertInstance.IdFor("pm25-high", Core.Readings.SensorKind.Air, "beijing-1", "node-01", "pm25", Start + Minutes(2)), sent[0].AlertId);
        Assert.Equal([1L, 2L], sent.Select(n => n.Sequence));
        Assert.NotEqual(sent[0].Key, sent[1].Key);
        Assert.Empty(e.Book.Firing());
        Assert.Equal(sent[0].AlertId, Assert.Single(e.Book.RecentlyResolved()).Id);
    }

    [Fact]
    public void Pending_cancelled_before_for_notifies_nobody()
    {
        var e = new Engine(Pm25For5m);

        // Above for 4 minutes only (pending), back under, then a 5-minute episode.
        var cancelled = e.Live("pm25", TimeSpan.Zero, 80, 90, 85, 80, 79, 60);
        var fired = e.Live("pm25", Minutes(10), 80, 80, 80, 80, 80, 80);

        Assert.Empty(cancelled);
        var firing = Assert.Single(fired);
        Assert.Equal(NotificationState.Firing, firing.State);
        Assert.Equal(Start + Minutes(15), firing.StartsAt);
    }

    [Fact]
    public void A_value_hovering_inside_the_hysteresis_band_notifies_once()
    {
        var e = new Engine(Pm25Hysteresis);

        var sent = e.Live("pm25", TimeSpan.Zero, 70, 76, 74, 77, 65, 76, 61, 80, 62, 59);

        Assert.Collection(
            sent,
            n => Assert.Equal((NotificationState.Firing, 76.0), (n.State, n.Value)),
            n => Assert.Equal((NotificationState.Resolved, 59.0), (n.State, n.Value)));
    }

    [Fact]
    public void A_flapping_series_is_announced_once_then_held_until_it_settles()
    {
        var e = new Engine(Pm25, new AlertBookOptions { FlapStarts = 3, FlapWindow = TimeSpan.FromHours(1), FlapQuiet = TimeSpan.FromMinutes(30) });

        // Crosses 75 up and down every minute: 8 episodes in 16 minutes.
        var sent = e.Live("pm25", TimeSpan.Zero, 80, 70, 80, 70, 80, 70, 80, 70, 80, 70, 80, 70, 80, 70, 80, 70);

        // Two whole episodes told, the third start announced as flapping, the rest held.
        Assert.Equal(
            [
                (NotificationState.Firing, NotificationReason.Started),
                (NotificationState.Resolved, NotificationReason.Ended),
                (NotificationState.Firing, NotificationReason.Started),
                (NotificationState.Resolved, NotificationReason.Ended),
                (NotificationState.Firing, NotificationReason.FlappingStarted),
            ],
            sent.Select(n => (n.State, n.Reason)));

        // Still changing: held at every tick. Then quiet (resolved since minute 15) for 30 minutes.
        e.Time.SetUtcNow(Start + Minutes(16));
        Assert.Empty(e.Book.Tick());
        e.Time.SetUtcNow(Start + Minutes(44));
        Assert.Empty(e.Book.Tick());
        e.Time.SetUtcNow(Start + Minutes(45));
        var settled = e.Book.Tick();

        // The flap-announced alert ends; the 5 episodes after it are counted, not listed.
        var n = Assert.Single(settled);
        Assert.Equal((NotificationState.Resolved, NotificationReason.FlappingEnded), (n.State, n.Reason));
        Assert.Equal(sent[4].AlertId, n.AlertId);
        Assert.Equal(5, n.HeldEpisodes);
        Assert.NotNull(n.Group);
        Assert.Empty(e.Book.Firing());
        Assert.Empty(e.Book.Tick());
    }

    [Fact]
    public void A_flapping_series_that_settles_firing_is_sent_as_firing_with_the_episodes_between()
    {
        var e = new Engine(Pm25, new AlertBookOptions { FlapStarts = 3 });

        var sent = e.Live("pm25", TimeSpan.Zero, 80, 70, 80, 70, 80, 70, 80, 70, 90);
        Assert.Equal(NotificationReason.FlappingStarted, sent[^1].Reason);

        e.Time.SetUtcNow(Start + Minutes(8 + 30));
        var settled = e.Book.Tick();

        // The flap-announced alert ended meanwhile: its end first, then the alert firing now,
        // with the one episode between them counted; one group, so channels send one message.
        Assert.Collection(
            settled,
            n => Assert.Equal((NotificationState.Resolved, NotificationReason.FlappingEnded, sent[^1].AlertId), (n.State, n.Reason, n.AlertId)),
            n =>
            {
                Assert.Equal((NotificationState.Firing, NotificationReason.FlappingEnded), (n.State, n.Reason));
                Assert.Equal(Start + Minutes(8), n.StartsAt);
                Assert.Equal(1, n.HeldEpisodes);
                Assert.Equal(e.Book.Firing()[0].Id, n.AlertId);
            });
        Assert.Equal(settled[0].Group, settled[1].Group);
    }

    [Fact]
    public void An_unacknowledged_alert_repeats_and_an_acknowledged_one_does_not_until_it_escalates()
    {
        var e = new Engine(Pm10Levels, new AlertBookOptions { RepeatInterval = TimeSpan.FromHours(1) });
        var fired = Assert.Single(e.Live("pm10", TimeSpan.Zero, 160));

        e.Time.Advance(TimeSpan.FromMinutes(59));
        Assert.Empty(e.Book.Tick());
        e.Time.Advance(TimeSpan.FromMinutes(1));
        var repeat = Assert.Single(e.Book.Tick());
        Assert.Equal((NotificationReason.Repeat, fired.AlertId, NotificationState.Firing), (repeat.Reason, repeat.AlertId, repeat.State));

        Assert.Equal(AcknowledgeOutcome.Acknowledged, e.Book.Acknowledge(fired.AlertId, "officer.li", "crew sent", out var acked));
        Assert.Equal(new Acknowledgement("officer.li", e.Time.GetUtcNow(), "crew sent"), acked!.Acknowledgement);
        e.Time.Advance(TimeSpan.FromHours(5));
        Assert.Empty(e.Book.Tick());

        // Escalation is news: notified, and the acknowledgement (of a warning) no longer holds.
        var escalated = Assert.Single(e.Live("pm10", TimeSpan.FromHours(6), 400));
        Assert.Equal((NotificationReason.SeverityChanged, AlertSeverity.Critical, fired.AlertId), (escalated.Reason, escalated.Severity, escalated.AlertId));
        Assert.Null(escalated.Acknowledgement);
        e.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(NotificationReason.Repeat, Assert.Single(e.Book.Tick()).Reason);
    }

    [Fact]
    public void Acknowledging_an_unknown_or_resolved_alert_says_so()
    {
        var e = new Engine(Pm25);
        var sent = e.Live("pm25", TimeSpan.Zero, 80, 70);

        Assert.Equal(AcknowledgeOutcome.NotFiring, e.Book.Acknowledge(sent[0].AlertId, "officer.li", null, out var resolved));
        Assert.Equal(Start + Minutes(1), resolved!.EndsAt);
        Assert.Equal(AcknowledgeOutcome.NotFound, e.Book.Acknowledge("0123456789abcdef", "officer.li", null, out var none));
        Assert.Null(none);
    }

    [Fact]
    public void A_replayed_backlog_is_held_and_sent_as_one_group_per_site_with_final_states()
    {
        var e = new Engine(Pm25);

        // The node was offline for 3 hours; it replays 2 hours of readings at once: two episodes
        // on node-01, one still firing on node-02, at two sites.
        e.Time.SetUtcNow(Start + TimeSpan.FromHours(3));
        var during = new List<AlertNotification>();
        for (var i = 0; i < 120; i++)
        {
            var v1 = i is >= 10 and < 20 or >= 50 and < 60 ? 90 : 40;
            var v2 = i >= 100 ? 90 : 40;
            during.AddRange(e.Book.Apply(e.Harness.Evaluator.Observe(Air("pm25", v1, Minutes(i)))));
            during.AddRange(e.Book.Apply(e.Harness.Evaluator.Observe(Air("pm25", v2, Minutes(i), site: "tianjin-2", device: "node-02"))));
        }

        Assert.Empty(during);
        e.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(e.Book.Tick());
        e.Time.Advance(TimeSpan.FromSeconds(1));
        var grouped = e.Book.Tick();

        Assert.Equal(2, grouped.Count);
        Assert.All(grouped, n => Assert.True(n.Late && n.Reason == NotificationReason.Backlog));
        var node1 = Assert.Single(grouped, n => n.Device == "node-01");
        Assert.Equal((NotificationState.Resolved, 2, Start + Minutes(50), Start + Minutes(60)), (node1.State, node1.HeldEpisodes, node1.StartsAt, node1.EndsAt));
        var node2 = Assert.Single(grouped, n => n.Device == "node-02");
        Assert.Equal((NotificationState.Firing, Start + Minutes(100)), (node2.State, node2.StartsAt));
        Assert.NotEqual(node1.Group, node2.Group);
        Assert.StartsWith("backlog-", node1.Group, StringComparison.Ordinal);
        Assert.Empty(e.Book.Tick());

        // Back to live: the backlog alert resolves like any other.
        var live = Assert.Single(e.Live("pm25", TimeSpan.FromHours(3) + Minutes(1), 40, site: "tianjin-2", device: "node-02"));
        Assert.Equal((NotificationState.Resolved, NotificationReason.Ended, node2.AlertId), (live.State, live.Reason, live.AlertId));
    }

    [Fact]
    public void A_backlog_that_never_stops_is_flushed_after_the_maximum_hold()
    {
        var e = new Engine(Pm25, new AlertBookOptions { LateGroupWait = TimeSpan.FromSeconds(30), LateGroupMaxHold = TimeSpan.FromMinutes(2) });
        e.Time.SetUtcNow(Start + TimeSpan.FromHours(3));
        var sent = new List<AlertNotification>();
        for (var i = 0; i < 12; i++)
        {
            sent.AddRange(e.Book.Apply(e.Harness.Evaluator.Observe(Air("pm25", i % 2 == 0 ? 90 : 40, Minutes(i)))));
            e.Time.Advance(TimeSpan.FromSeconds(10));
            sent.AddRange(e.Book.Tick());
        }

        var n = Assert.Single(sent);
        Assert.Equal((NotificationReason.Backlog, NotificationState.Resolved), (n.Reason, n.State));
    }

    [Fact]
    public void A_restored_book_absorbs_what_an_older_evaluator_state_repeats()
    {
        var e = new Engine(Pm25);
        var fired = Assert.Single(e.Live("pm25", TimeSpan.Zero, 80));
        var json = JsonSerializer.Serialize(e.Book.Snapshot());

        // Restart: the book comes back from disk; the evaluator from nothing (the worst case).
        var restarted = new Engine(Pm25);
        restarted.Time.SetUtcNow(e.Time.GetUtcNow());
        restarted.Book.Restore(JsonSerializer.Deserialize<AlertBookSnapshot>(json)!);

        Assert.Equal(fired.AlertId, Assert.Single(restarted.Book.Firing()).Id);
        Assert.Empty(restarted.Live("pm25", Minutes(1), 85, 90));
        var resolved = Assert.Single(restarted.Live("pm25", Minutes(3), 50));
        Assert.Equal((NotificationState.Resolved, fired.AlertId, fired.Sequence + 1), (resolved.State, resolved.AlertId, resolved.Sequence));
    }

    [Fact]
    public void The_firing_count_kept_as_alerts_change_matches_the_alerts_firing_through_restore_replay_and_retirement()
    {
        var e = new Engine(Pm25);
        void Same(AlertBook book) => Assert.Equal(book.Firing().Count, book.FiringCount);

        e.Live("pm25", TimeSpan.Zero, 80, "beijing-1", "node-01");
        e.Live("pm25", TimeSpan.Zero, 90, "beijing-1", "node-02");
        Assert.Equal(2, e.Book.FiringCount);
        Same(e.Book);
        var snapshot = e.Book.Snapshot();
        var ended = e.Live("pm25", Minutes(1), 50, "beijing-1", "node-01");
        Assert.Equal(1, e.Book.FiringCount);

        var restarted = new Engine(Pm25);
        restarted.Book.Restore(snapshot);
        Assert.Equal(2, restarted.Book.FiringCount);
        restarted.Book.Replay(ended);
        Assert.Equal(1, restarted.Book.FiringCount);
        Same(restarted.Book);

        restarted.Book.RetireRules(_ => true, out _);
        Assert.Equal(0, restarted.Book.FiringCount);
        Same(restarted.Book);
    }

    [Fact]
    public void Notifications_made_after_a_snapshot_are_replayed_into_the_book()
    {
        var e = new Engine(Pm25);
        var snapshot = e.Book.Snapshot();
        var sent = e.Live("pm25", TimeSpan.Zero, 80, 70, 90);

        // Crash: the snapshot predates the three notifications, which the outbox kept.
        var restarted = new Engine(Pm25);
        restarted.Book.Restore(snapshot);
        restarted.Book.Replay(sent);
        restarted.Book.Replay(sent);

        Assert.Equal(3, restarted.Book.LastSequence);
        Assert.Equal(sent[2].AlertId, Assert.Single(restarted.Book.Firing()).Id);
        Assert.Equal(sent[0].AlertId, Assert.Single(restarted.Book.RecentlyResolved()).Id);

        // The evaluator lost its state: it fires again at the next reading; the book knows better.
        restarted.Time.SetUtcNow(e.Time.GetUtcNow());
        Assert.Empty(restarted.Live("pm25", Minutes(3), 95));
        Assert.Equal(4, Assert.Single(restarted.Live("pm25", Minutes(4), 20)).Sequence);
    }

    [Fact]
    public void Severity_changes_while_firing_are_one_notification_each()
    {
        var e = new Engine(Pm10Levels);

        var sent = e.Live("pm10", TimeSpan.Zero, 160, 200, 400, 380, 290, 250, 130, 110);

        Assert.Equal(
            [
                (NotificationState.Firing, NotificationReason.Started, AlertSeverity.Warning),
                (NotificationState.Firing, NotificationReason.SeverityChanged, AlertSeverity.Critical),
                (NotificationState.Firing, NotificationReason.SeverityChanged, AlertSeverity.Warning),
                (NotificationState.Resolved, NotificationReason.Ended, AlertSeverity.Warning),
            ],
            sent.Select(n => (n.State, n.Reason, n.Severity)));
        Assert.Single(sent.Select(n => n.AlertId).Distinct());
    }

    /// <summary>An evaluator and a book on one clock.</summary>
    private sealed class Engine
    {
        public Engine(string yaml, AlertBookOptions? options = null)
        {
            Harness = new EvaluationHarness(yaml);
            Book = new AlertBook(Harness.Time, options);
        }

        public EvaluationHarness Harness { get; }

        public Microsoft.Extensions.Time.Testing.FakeTimeProvider Time => Harness.Time;

        public AlertBook Book { get; }

        /// <summary>Live readings one a minute from <paramref name="from"/>, with ticks between; all notifications.</summary>
        public List<AlertNotification> Live(string metric, TimeSpan from, params double[] values) => Live(metric, from, values, "beijing-1", "node-01");

        public List<AlertNotification> Live(string metric, TimeSpan from, double value, string site, string device) => Live(metric, from, [value], site, device);

        private List<AlertNotification> Live(string metric, TimeSpan from, double[] values, string site, string device)
        {
            var all = new List<AlertNotification>();
            for (var i = 0; i < values.Length; i++)
            {
                all.AddRange(Book.Apply(Harness.Live(Air(metric, values[i], from + Minutes(i), site, device))));
                all.AddRange(Book.Tick());
            }

            return all;
        }
    }
}
