using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;
using EcoMonitor.Feed;
using EcoMonitor.Feed.Publishing;
using EcoMonitor.Feed.Storage;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Feed;

/// <summary>
/// The feed over a real outbox in a data directory, on a fake clock: notifications are appended as
/// the alert engine would, a round is run, and the feed is reopened as after a restart.
/// </summary>
internal sealed class FeedScenario : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    private long _sequence;

    public FeedScenario(string dataDirectory, FeedOptions? options = null, IAuditTrail? trail = null)
    {
        Trail = trail ?? AuditTrail.None;
        DataDirectory = dataDirectory;
        Options = options ?? DefaultOptions();
        Open();
    }

    public string DataDirectory { get; }

    public IAuditTrail Trail { get; }

    public FeedOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(Start);

    public RuntimeMetrics Runtime { get; private set; } = null!;

    public ReadinessConditions Readiness { get; } = new();

    public NotificationOutbox Outbox { get; private set; } = null!;

    public FeedMetrics Metrics { get; private set; } = null!;

    public FeedPublisher Publisher { get; private set; } = null!;

    public FeedReader Reader { get; private set; } = null!;

    public static FeedOptions DefaultOptions() => new()
    {
        Sender = "ecomonitor@env.example.gov.cn",
        SenderName = "East District Environmental Monitoring Station",
        SenderNameZh = "城东区环境监测站",
        TimeZone = "Asia/Shanghai",
        Web = "https://env.example.gov.cn/warnings",
        Sites =
        {
            ["east"] = new FeedSite { AreaDescZh = "城东区东湖街道", AreaDescEn = "Donghu subdistrict, East district", Circle = "30.5520,114.3620 2.5", Adcode = "420102" },
            ["river"] = new FeedSite { AreaDescZh = "东湖", AreaDescEn = "East Lake", Polygon = "30.55,114.36 30.56,114.40 30.53,114.41 30.55,114.36", Adcode = "420102" },
        },
    };

    /// <summary>Closes everything and opens it again on the same directory, as a restart does.</summary>
    public void Restart()
    {
        Outbox.Dispose();
        Open();
    }

    /// <summary>Appends a notification (durable, as the engine's flush makes it) and returns it.</summary>
    public AlertNotification Notify(
        NotificationState state,
        AlertSeverity severity,
        double value,
        string rule = "pm25-high",
        string site = "east",
        string device = "n1",
        bool isPublic = true,
        SensorKind kind = SensorKind.Air,
        string metric = "pm25",
        double threshold = 75,
        NotificationReason? reason = null,
        AqiStandard? aqi = null,
        string? unit = "µg/m³")
    {
        var startsAt = Start.AddMinutes(-5);
        var n = new AlertNotification(
            ++_sequence,
            $"key-{_sequence}",
            AlertInstance.IdFor(rule, kind, site, device, metric, startsAt),
            state,
            reason ?? (state == NotificationState.Resolved ? NotificationReason.Ended : NotificationReason.Started),
            rule,
            severity,
            kind,
            site,
            device,
            metric,
            value,
            threshold,
            startsAt,
            state == NotificationState.Resolved ? Time.GetUtcNow() : null,
            Time.GetUtcNow(),
            Late: false,
            Group: null,
            HeldEpisodes: 0,
            Acknowledgement: null,
            Description: "GB 3095-2026 grade II: PM2.5 24h mean ≤ 60 µg/m³",
            Unit: unit,
            AqiStandard: aqi,
            Public: isPublic);
        Outbox.Append([n]);
        return n;
    }

    /// <summary>Runs one round; asserts it succeeded.</summary>
    public void Round() => Assert.True(Publisher.RunRound(), "the round must succeed");

    /// <summary>Every message the index names, oldest first, as stored.</summary>
    public IReadOnlyList<byte[]> Messages() =>
        [.. Publisher.Current.Chains.SelectMany(c => c.Messages).OrderBy(m => m.Sent).ThenBy(m => m.Identifier, StringComparer.Ordinal).Select(m => Reader.Message(m.Identifier)!.Bytes)];

    public void Dispose() => Outbox.Dispose();

    private void Open()
    {
        var data = MsOptions.Create(new DataDirectoryOptions { DataDirectory = DataDirectory });
        Runtime = new RuntimeMetrics();
        Outbox = new NotificationOutbox(data, MsOptions.Create(new NotificationOptions()), new NotificationMetrics(Runtime), NullLogger<NotificationOutbox>.Instance);
        if (_sequence == 0 && Outbox.After(0) is { Count: > 0 } journal)
        {
            _sequence = journal[^1].Sequence;
        }

        Metrics = new FeedMetrics(Runtime);
        Publisher = new FeedPublisher(Outbox, new FeedStore(data, NullLogger<FeedStore>.Instance), MsOptions.Create(Options), Time, Metrics, Readiness, NullLogger<FeedPublisher>.Instance, Trail);
        Reader = new FeedReader(Publisher, Metrics);
    }
}
