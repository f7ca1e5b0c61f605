using System.Text;
using System.Text.Json;
using EcoMonitor.Alerting;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Service.Tests.Alerting;

/// <summary>
/// The alert engine's files on a real, full filesystem (a size-limited tmpfs, filled on purpose):
/// the service's own handler, pipeline, outbox and ticker from its DI registration, on a fake
/// clock. A full disk is an outage: nothing torn, nothing acknowledged that is not durable,
/// readiness says why, and everything resumes by itself when space returns.
/// </summary>
public sealed class AlertDiskFullTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly DirectoryInfo _config = Directory.CreateTempSubdirectory("ecomonitor-diskfull-");
    private readonly FakeTimeProvider _time = new(Start);
    private readonly SmallFileSystem _disk = SmallFileSystem.MountOrSkip(256 * 1024);
    private ServiceProvider? _services;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_outbox_append_on_a_full_disk_leaves_no_torn_line_and_no_acknowledgement_and_the_notification_comes_once_when_space_returns()
    {
        var services = Open();
        services.GetRequiredService<AlertPipeline>().Start();
        var handler = services.GetRequiredService<MessageHandler>();
        var queue = services.GetRequiredService<IngestQueue>();
        var outbox = services.GetRequiredService<NotificationOutbox>();
        var readiness = services.GetRequiredService<ReadinessConditions>();
        var metrics = services.GetRequiredService<NotificationMetrics>();
        var signal = outbox.Register("robot");
        var journal = Path.Combine(_disk.Root.FullName, "outbox", "notifications.jsonl");

        // The queue is the message's only way to its acknowledgement (the batch writer sends it once stored).
        static Task Acknowledge(CancellationToken _) => Task.CompletedTask;
        var message = Pm25(80);
        var delivery = new HandlingProgress();
        _disk.Fill();

        // Twice while full (the consumer retries a failing message): each time the handler fails
        // and the message goes nowhere near its acknowledgement.
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await Assert.ThrowsAnyAsync<IOException>(() => handler.HandleAsync(message, SubscriptionProfile.Native, Acknowledge, delivery, Ct));
            Assert.False(queue.Reader.TryRead(out _), "nothing may be queued for acknowledgement while the notification is not durable");
            Assert.Equal(0, new FileInfo(journal).Length);
            Assert.Empty(outbox.Pending("robot", 10));
            Assert.True(readiness.IsRaised(NotificationOutbox.DiskCondition), "readiness must say the outbox cannot be written");
            Assert.Equal(attempt, metrics.DiskWriteFailures.WithLabels("outbox").Value);
        }

        _disk.Free();

        // The same message again: the notification kept from the failed attempts is journaled now,
        // and the alert point of its transition comes with the message, once.
        await handler.HandleAsync(message, SubscriptionProfile.Native, Acknowledge, delivery, Ct);
        Assert.True(queue.Reader.TryRead(out var envelope));
        var point = Assert.Single(envelope.AlertLines ?? []);
        Assert.Contains("state=firing", point, StringComparison.Ordinal);
        Assert.False(readiness.IsRaised(NotificationOutbox.DiskCondition));
        Assert.True(signal.TryRead(out _), "the channel must be woken for the notification");
        var pending = Assert.Single(outbox.Pending("robot", 10));
        Assert.Equal((NotificationState.Firing, NotificationReason.Started, 80.0), (pending.State, pending.Reason, pending.Value));

        // Whole lines only, one notification; and the message redelivered changes nothing.
        await handler.HandleAsync(message, SubscriptionProfile.Native, Acknowledge, new HandlingProgress(), Ct);
        Assert.True(queue.Reader.TryRead(out var again));
        Assert.Empty(again.AlertLines ?? []);
        var lines = ReadLines(journal);
        Assert.Equal(pending.Key, JsonSerializer.Deserialize<AlertNotification>(Assert.Single(lines), NotificationJson.Options)!.Key);
        Assert.Single(outbox.Pending("robot", 10));
    }

    [Fact]
    public async Task A_state_save_on_a_full_disk_is_counted_and_reported_and_the_ticker_goes_on_and_saves_when_space_returns()
    {
        var services = Open();
        var pipeline = services.GetRequiredService<AlertPipeline>();
        var readiness = services.GetRequiredService<ReadinessConditions>();
        var metrics = services.GetRequiredService<AlertMetrics>();
        var stateFile = Path.Combine(_disk.Root.FullName, "state", "alerts.json");
        var ticker = ActivatorUtilities.CreateInstance<AlertTicker>(services);
        await ticker.StartAsync(Ct);
        try
        {
            // A firing alert: the state changed and is due for a save at the next tick.
            Assert.Single(await pipeline.ObserveAsync(Pm25Readings(80), Ct));
            _disk.Fill();

            for (var failures = 1; failures <= 2; failures++)
            {
                // Advanced inside the wait: the ticker's timer may not exist yet when the test first moves the clock.
                var failed = failures;
                await Eventually.WaitAsync(() => metrics.DiskWriteFailures.WithLabels("alert-state").Value >= failed || Tick(), Deadline, $"failed save {failures}", Ct);
                Assert.True(readiness.IsRaised(AlertPipeline.StateDiskCondition), "readiness must say the state file cannot be written");
                Assert.False(File.Exists(stateFile));
                Assert.False(File.Exists(stateFile + ".tmp"), "a failed save must not leave its temporary file taking space");
            }

            _disk.Free();
            await Eventually.WaitAsync(() => (File.Exists(stateFile) && !readiness.IsRaised(AlertPipeline.StateDiskCondition)) || Tick(), Deadline, "the save after space returned", Ct);
            Assert.Equal(1, metrics.AlertStateSaves.Value);
            Assert.Equal(0, metrics.AlertTickFailures.Value);
            Assert.Null(ticker.ExecuteTask?.Exception);
            Assert.Contains("\"pm25-high\"", await File.ReadAllTextAsync(stateFile, Ct), StringComparison.Ordinal);
        }
        finally
        {
            await ticker.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Moves the clock one second on; false, so that a wait goes on looking.</summary>
    private bool Tick()
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_services is not null)
            {
                await _services.DisposeAsync();
            }
        }
        finally
        {
            _disk.Dispose();
            _config.Delete(recursive: true);
        }
    }

    private static List<string> ReadLines(string path)
    {
        var text = File.ReadAllText(path, Encoding.UTF8);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static IncomingMessage Pm25(double value) => new(
        "eco/bj-1/air/node-01",
        Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $$$"""{"ts": "{{{Start:O}}}", "readings": {"pm25": {{{value}}}}}""")),
        Start);

    private static Core.Readings.Reading[] Pm25Readings(double value) =>
        [new(Core.Readings.SensorKind.Air, "bj-1", "node-01", "pm25", value, Start.ToUnixTimeMilliseconds())];

    /// <summary>The service's own registrations, data on the small filesystem, the rules beside the test.</summary>
    private ServiceProvider Open()
    {
        var rules = Path.Combine(_config.FullName, "alert-rules.yaml");
        File.WriteAllText(rules, """
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: warning
            """);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataDirectory"] = _disk.Root.FullName,
            ["Alerts:RulesFile"] = rules,
            ["Alerts:TickInterval"] = "00:00:01",
            ["Alerts:StateSaveInterval"] = "00:00:01",
        }).Build();
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddLogging()
            .AddEcoMonitorService(configuration);
        _services = services.BuildServiceProvider();
        return _services;
    }
}
