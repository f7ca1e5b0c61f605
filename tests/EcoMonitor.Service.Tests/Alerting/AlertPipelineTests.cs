using System.Text;
using EcoMonitor.Alerting;
using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Alerting;

/// <summary>
/// The alert engine at run time without servers, on a fake clock: rules reloaded while running,
/// a crash between state saves, the outbox's torn tail and its bound.
/// </summary>
public sealed partial class AlertPipelineTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-alerts-");
    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _rules;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public AlertPipelineTests() => _rules = Path.Combine(_data.FullName, "alert-rules.yaml");

    private const string Pm25Rule = """
          - name: pm25-high
            kind: air
            metric: pm25
            above: 75
            severity: warning
        """;

    private const string Pm10Rule = """
          - name: pm10-high
            kind: air
            metric: pm10
            above: 150
            severity: warning
        """;

    [Fact]
    public async Task A_changed_rules_file_is_picked_up_alerts_of_unchanged_rules_carry_over_and_those_of_changed_rules_end()
    {
        WriteRules(Pm25Rule, Pm10Rule);
        using var engine = Open();
        await engine.Pipeline.ObserveAsync([Air("pm25", 80, 0), Air("pm10", 200, 0)], Ct);
        Assert.Equal(2, engine.Outbox.After(0).Count);

        // pm10-high's limit changes, a new rule appears, pm25-high is untouched.
        WriteRules(Pm25Rule, Pm10Rule.Replace("above: 150", "above: 250", StringComparison.Ordinal), """
              - name: no2-high
                kind: air
                metric: no2
                above: 200
                severity: critical
            """);
        _time.Advance(TimeSpan.FromSeconds(10));
        var lines = engine.Pipeline.Tick();

        var ended = Assert.Single(engine.Outbox.After(2));
        Assert.Equal(("pm10-high", NotificationState.Resolved, NotificationReason.RuleChanged), (ended.Rule, ended.State, ended.Reason));
        Assert.Contains(lines, l => l.StartsWith("alert,", StringComparison.Ordinal) && l.Contains("rule=pm10-high", StringComparison.Ordinal) && l.Contains("state=resolved", StringComparison.Ordinal));
        Assert.Equal(3, engine.Pipeline.Evaluator.Rules.Count);

        // pm25-high still firing (its state carried over: no new notification); pm10 at 200 is fine now; no2 is evaluated.
        await engine.Pipeline.ObserveAsync([Air("pm25", 85, 60), Air("pm10", 200, 60), Air("no2", 250, 60)], Ct);
        var next = engine.Outbox.After(3);
        Assert.Equal(["no2-high"], next.Select(n => n.Rule));
        Assert.Equal(["no2-high", "pm25-high"], engine.Pipeline.Book.Firing().Select(a => a.Rule).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_rules_file_with_errors_is_refused_and_the_rules_in_force_stay()
    {
        WriteRules(Pm25Rule);
        using var engine = Open();

        File.WriteAllText(_rules, "rules:\n  - name: broken\n    kind: air\n    metric: pm25\n    above: lots\n    severity: warning\n");
        _time.Advance(TimeSpan.FromSeconds(10));
        engine.Pipeline.Tick();
        Assert.Equal(1, engine.RuleSet.FailedReloads);
        Assert.Equal("pm25-high", Assert.Single(engine.Pipeline.Evaluator.Rules).Name);

        // Not retried while unchanged; a fixed file is taken.
        engine.Pipeline.Tick();
        Assert.Equal(1, engine.RuleSet.FailedReloads);
        WriteRules(Pm10Rule);
        engine.Pipeline.Tick();
        Assert.Equal("pm10-high", Assert.Single(engine.Pipeline.Evaluator.Rules).Name);
    }

    [Fact]
    public async Task After_a_crash_between_saves_the_outbox_tells_the_book_what_was_announced()
    {
        WriteRules(Pm25Rule);
        using (var engine = Open())
        {
            engine.Pipeline.Save();
            await engine.Pipeline.ObserveAsync([Air("pm25", 80, 0)], Ct);

            // Crash: no save after the firing notification.
        }

        using var restarted = Open();
        var alert = Assert.Single(restarted.Pipeline.Book.Firing());
        Assert.Equal(alert.Id, Assert.Single(restarted.Outbox.After(0)).AlertId);

        // The evaluator's saved state predates the firing; aligned with the book, it goes on
        // firing without a word and resolves when the value falls.
        await restarted.Pipeline.ObserveAsync([Air("pm25", 90, 60)], Ct);
        Assert.Single(restarted.Outbox.After(0));
        await restarted.Pipeline.ObserveAsync([Air("pm25", 50, 120)], Ct);
        var resolved = restarted.Outbox.After(1);
        Assert.Equal((NotificationState.Resolved, alert.Id), (Assert.Single(resolved).State, resolved[0].AlertId));
    }

    [Fact]
    public async Task A_graceful_restart_restores_windows_and_acknowledgements()
    {
        WriteRules("""
              - name: pm25-hour
                kind: air
                metric: pm25
                above: 75
                window: { function: mean, over: 1h }
                severity: warning
            """);
        string id;
        using (var engine = Open())
        {
            await engine.Pipeline.ObserveAsync([Air("pm25", 100, 0), Air("pm25", 60, 60)], Ct);
            id = Assert.Single(engine.Pipeline.Book.Firing()).Id;
            Assert.Equal(AcknowledgeOutcome.Acknowledged, engine.Pipeline.Acknowledge(id, "officer.zhao", "checking", out _));
            await engine.Pipeline.ObserveAsync([Air("pm25", 70, 120)], Ct);
            engine.Pipeline.Save();
        }

        using var restarted = Open();
        Assert.Equal("officer.zhao", Assert.Single(restarted.Pipeline.Book.Firing()).Acknowledgement?.By);

        // The mean of 100, 60, 70 is 76.7: one more 40 makes it 67.5 only if the window came back
        // (alone, 40 would be its own mean).
        await restarted.Pipeline.ObserveAsync([Air("pm25", 40, 180)], Ct);
        var resolved = Assert.Single(restarted.Outbox.After(1));
        Assert.Equal((NotificationState.Resolved, id, 67.5), (resolved.State, resolved.AlertId, resolved.Value));
    }

    [Fact]
    public async Task A_torn_last_line_is_cut_off_and_the_lines_before_it_kept()
    {
        WriteRules(Pm25Rule);
        using (var engine = Open())
        {
            await engine.Pipeline.ObserveAsync([Air("pm25", 80, 0)], Ct);
        }

        var path = Path.Combine(_data.FullName, "outbox", "notifications.jsonl");
        var good = new FileInfo(path).Length;
        File.AppendAllText(path, "{\"sequence\": 2, \"key\": \"half a no");

        using var restarted = Open();
        Assert.Single(restarted.Outbox.After(0));
        Assert.Equal(good, new FileInfo(path).Length);
        await restarted.Pipeline.ObserveAsync([Air("pm25", 50, 60)], Ct);
        Assert.Equal([1L, 2L], restarted.Outbox.After(0).Select(n => n.Sequence));
    }

    [Fact]
    public async Task Readings_are_evaluated_while_a_state_save_is_stuck_writing_to_a_slow_disk()
    {
        WriteRules(Pm25Rule);
        using var engine = Open();

        // 1,000 series: their state is far more than a pipe holds, so the save blocks writing it.
        await engine.Pipeline.ObserveAsync([.. Enumerable.Range(0, 1000).Select(i => Air("pm25", 40, 0, $"node-{i:0000}"))], Ct);

        // The state file's temporary file is a FIFO nobody reads: the save's write waits, as on a
        // disk that has stopped answering.
        var temp = Path.Combine(_data.FullName, "state", "alerts.json.tmp");
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [temp]))
        {
            await mkfifo.WaitForExitAsync(Ct);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // The reader: a shell that opens the FIFO, says so, and drains it only when told.
        var start = new System.Diagnostics.ProcessStartInfo("sh") { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-c", "exec 3<\"$1\"; echo opened; read go; cat <&3 >/dev/null", "sh", temp })
        {
            start.ArgumentList.Add(argument);
        }

        using var reader = System.Diagnostics.Process.Start(start)!;
        var save = Task.Factory.StartNew(engine.Pipeline.Save, Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.Equal("opened", await reader.StandardOutput.ReadLineAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct));
        try
        {
            // The save is writing (its open of the FIFO returned) and cannot finish; readings still go through.
            var observe = Task.Run(async () => await engine.Pipeline.ObserveAsync([Air("pm25", 80, 60)], Ct), Ct);
            var lines = await observe.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            Assert.Contains("state=firing", Assert.Single(lines), StringComparison.Ordinal);
            Assert.False(save.IsCompleted);
        }
        finally
        {
            // The disk answers again: the save completes.
            await reader.StandardInput.WriteLineAsync("go");
            await reader.StandardInput.FlushAsync(Ct);
            await save.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            await reader.WaitForExitAsync(Ct);
        }
    }

    [Fact]
    public void A_full_outbox_is_cut_to_seven_eighths_of_its_bound_and_not_rewritten_at_every_append()
    {
        var metrics = new NotificationMetrics(new RuntimeMetrics());
        using var outbox = new NotificationOutbox(
            MsOptions.Create(new DataDirectoryOptions { DataDirectory = _data.FullName }),
            MsOptions.Create(new NotificationOptions { OutboxMaxBytes = 64 * 1024 }),
            metrics,
            NullLogger<NotificationOutbox>.Instance);
        outbox.Register("log");

        // Nothing is delivered: past the bound, every cut expires the oldest.
        var cuts = 0;
        var expired = 0.0;
        for (var i = 1; i <= 2000; i++)
        {
            outbox.Append([Notification(i)]);
            var now = metrics.NotificationsExpired.WithLabels("log").Value;
            if (now > expired)
            {
                cuts++;
                expired = now;
            }
        }

        // An eighth of the bound (8 KiB) holds about 20 of these notifications: at most one cut per 10 appends.
        var bytes = new FileInfo(Path.Combine(_data.FullName, "outbox", "notifications.jsonl")).Length;
        Assert.InRange(cuts, 1, 2000 / 10);
        Assert.InRange(bytes, 1, 64 * 1024);
        Assert.Equal(2000 - expired, outbox.Pending("log", 5000).Count);
    }

    [Fact]
    public void A_full_outbox_expires_the_oldest_undelivered_notifications_and_says_so()
    {
        var metrics = new NotificationMetrics(new RuntimeMetrics());
        using var outbox = new NotificationOutbox(
            MsOptions.Create(new DataDirectoryOptions { DataDirectory = _data.FullName }),
            MsOptions.Create(new NotificationOptions { OutboxMaxBytes = 64 * 1024 }),
            metrics,
            NullLogger<NotificationOutbox>.Instance);

        outbox.Register("log");
        for (var i = 1; i <= 400; i++)
        {
            outbox.Append([Notification(i)]);
        }

        var path = Path.Combine(_data.FullName, "outbox", "notifications.jsonl");
        Assert.True(new FileInfo(path).Length <= 64 * 1024);
        var expired = metrics.NotificationsExpired.WithLabels("log").Value;
        Assert.True(expired > 0);
        var pending = outbox.Pending("log", 1000);
        Assert.Equal(400 - expired, pending.Count);
        Assert.Equal(400, pending[^1].Sequence);
        Assert.Equal(expired, outbox.DeliveredTo("log"));
    }

    [Fact]
    public void Delivered_notifications_are_not_pending_after_a_restart()
    {
        var options = MsOptions.Create(new DataDirectoryOptions { DataDirectory = _data.FullName });
        using (var outbox = new NotificationOutbox(options, MsOptions.Create(new NotificationOptions()), new NotificationMetrics(new RuntimeMetrics()), NullLogger<NotificationOutbox>.Instance))
        {
            outbox.Register("log");
            outbox.Register("robot");
            outbox.Append([Notification(1), Notification(2), Notification(3)]);
            outbox.MarkDelivered("log", 2);
        }

        using var reopened = new NotificationOutbox(options, MsOptions.Create(new NotificationOptions()), new NotificationMetrics(new RuntimeMetrics()), NullLogger<NotificationOutbox>.Instance);
        reopened.Register("log");
        reopened.Register("robot");
        Assert.Equal([3L], reopened.Pending("log", 10).Select(n => n.Sequence));
        Assert.Equal([1L, 2L, 3L], reopened.Pending("robot", 10).Select(n => n.Sequence));
        Assert.Equal(0, reopened.Delivered);
        Assert.Equal(3, reopened.After(0).Count);

        // A channel configured later starts where the slowest one is, not at the beginning of time.
        reopened.MarkDelivered("robot", 3);
        reopened.Register("new");
        Assert.Equal(2, reopened.DeliveredTo("new"));
    }

    public void Dispose() => _data.Delete(recursive: true);

    private static Reading Air(string metric, double value, int seconds, string device = "node-01") =>
        new(SensorKind.Air, "bj-1", device, metric, value, (Start + TimeSpan.FromSeconds(seconds)).ToUnixTimeMilliseconds());

    private static AlertNotification Notification(long sequence) => new(
        sequence, $"id:{sequence}", "0123456789abcdef", NotificationState.Firing, NotificationReason.Started, "r",
        Core.Alerting.Rules.AlertSeverity.Warning, SensorKind.Air, "bj-1", "node-01", "pm25", 80, 75,
        Start, null, Start, false, null, 0, null);

    private void WriteRules(params string[] rules)
    {
        var text = new StringBuilder("rules:\n");
        foreach (var rule in rules)
        {
            text.Append(rule).Append('\n');
        }

        File.WriteAllText(_rules, text.ToString());

        // The reload looks at the modification time and length; make a rewrite within one clock tick visible.
        File.SetLastWriteTimeUtc(_rules, DateTime.UtcNow.AddSeconds(Interlocked.Increment(ref _writes)));
    }

    private int _writes;

    private Engine Open(IAuditTrail? trail = null) => new(_data, _rules, _time, trail ?? AuditTrail.None);

    private sealed class Engine : IDisposable
    {
        public Engine(DirectoryInfo data, string rules, TimeProvider time, IAuditTrail trail)
        {
            var runtime = new RuntimeMetrics();
            var metrics = new AlertMetrics(runtime);
            var dataOptions = MsOptions.Create(new DataDirectoryOptions { DataDirectory = data.FullName });
            var alertOptions = MsOptions.Create(new AlertOptions { RulesFile = rules, StateSaveInterval = TimeSpan.FromSeconds(10) });
            RuleSet = new AlertRuleSet(alertOptions, MetricCatalog.Default, NullLogger<AlertRuleSet>.Instance);
            Outbox = new NotificationOutbox(dataOptions, MsOptions.Create(new NotificationOptions()), new NotificationMetrics(runtime), NullLogger<NotificationOutbox>.Instance);
            Pipeline = new AlertPipeline(
                RuleSet,
                new NotificationDescriber(MetricCatalog.Default),
                new AlertBook(time),
                Outbox,
                new AlertStateStore(dataOptions, time, NullLogger<AlertStateStore>.Instance),
                alertOptions,
                MsOptions.Create(new AlertEvaluatorOptions()),
                time,
                metrics,
                new ReadinessConditions(),
                NullLogger<AlertPipeline>.Instance,
                trail);
            Pipeline.Start();
        }

        public AlertRuleSet RuleSet { get; }

        public NotificationOutbox Outbox { get; }

        public AlertPipeline Pipeline { get; }

        public void Dispose() => Outbox.Dispose();
    }
}
