using EcoMonitor.Alerting;
using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Sensors;

namespace EcoMonitor.Service.Page;

/// <summary>One alert as a row of the page: the alert and what its row says of the rule and the silences.</summary>
/// <param name="Standard">The AQI standard of an AQI rule, else null (the description names the basis).</param>
/// <param name="SilencedUntil">The latest end of the silences in force that match it, or null.</param>
public sealed record AlertRow(AlertInstance Alert, string? Description, string? Unit, string? Standard, DateTimeOffset? SilencedUntil)
{
    public string SeverityName => Alert.Severity.ToName();
}

/// <summary>A silence as the page lists it: its state now and how many firing alerts it matches.</summary>
public sealed record SilenceRow(Silence Silence, string State, int Matching);

/// <summary>The counts of the summary strip.</summary>
public sealed record PageSummary(int Critical, int Warning, int Info, int Unacknowledged, int Silenced, int Online, int Stale, int Offline, bool SensorsKnown)
{
    public int Firing => Critical + Warning + Info;
}

/// <summary>Everything one render of the page shows, taken at one instant.</summary>
public sealed record PageSnapshot(
    DateTimeOffset Now,
    IReadOnlyList<AlertRow> Firing,
    IReadOnlyList<AlertRow> Resolved,
    IReadOnlyList<SilenceRow> Silences,
    IReadOnlyList<SensorView>? Sensors,
    PageSummary Summary);

/// <summary>What a notification said of an alert, as the details view lists it.</summary>
public sealed record NotificationRow(long Sequence, string Reason, string State, string Severity, double Value, DateTimeOffset CreatedAt, string? AcknowledgedBy);

/// <summary>
/// Reads the alert book, the silences and the sensor directory into a <see cref="PageSnapshot"/>.
/// The sensor directory may be absent (a host without it): the sensors view then says so.
/// </summary>
public sealed class PageData(AlertPipeline pipeline, ISilences silences, MetricCatalog catalog, INotificationOutbox outbox, TimeProvider time, ISensorDirectory? sensors = null)
{
    /// <summary>How far back the details view looks in the outbox journal, in notifications: bounds the copy.</summary>
    public const int NotificationLookBack = 5000;

    /// <summary>How long a resolved alert stays in "Resolved".</summary>
    public static readonly TimeSpan ResolvedWindow = TimeSpan.FromHours(24);

    public ISensorDirectory? Sensors => sensors;

    public AlertBook Book => pipeline.Book;

    public ISilences SilenceBook => silences;

    public DateTimeOffset Now => time.GetUtcNow();

    public PageSnapshot Take() =>
        Build(time.GetUtcNow(), pipeline.Book.Firing(), pipeline.Book.RecentlyResolved(), silences.List(), pipeline.Evaluator.Rules, catalog, sensors?.List());

    /// <summary>The snapshot of what the book, the silences and the directory hold at <paramref name="now"/>.</summary>
    internal static PageSnapshot Build(
        DateTimeOffset now,
        IReadOnlyList<AlertInstance> firingAlerts,
        IReadOnlyList<AlertInstance> recentlyResolved,
        IReadOnlyList<Silence> allSilences,
        IReadOnlyList<AlertRule> rules,
        MetricCatalog catalog,
        IReadOnlyList<SensorView>? sensorList)
    {
        var inForce = allSilences.Where(s => s.StateAt(now) == "active").ToList();
        var firing = firingAlerts.Select(a => Row(a, rules, catalog, inForce)).ToList();
        var resolved = recentlyResolved
            .Where(a => a.EndsAt is { } end && now - end <= ResolvedWindow)
            .Select(a => Row(a, rules, catalog, []))
            .ToList();
        var silenceRows = allSilences.Select(s => new SilenceRow(s, s.StateAt(now), firing.Count(r => SilenceMatching.Matches(s.Match, r.Alert)))).ToList();
        var summary = new PageSummary(
            firing.Count(r => r.Alert.Severity == AlertSeverity.Critical),
            firing.Count(r => r.Alert.Severity == AlertSeverity.Warning),
            firing.Count(r => r.Alert.Severity == AlertSeverity.Info),
            firing.Count(r => r.Alert.Acknowledgement is null),
            firing.Count(r => r.SilencedUntil is not null),
            sensorList?.Count(s => s.Status == SensorStatus.Online) ?? 0,
            sensorList?.Count(s => s.Status == SensorStatus.Stale) ?? 0,
            sensorList?.Count(s => s.Status == SensorStatus.Offline) ?? 0,
            sensorList is not null);
        return new PageSnapshot(now, firing, resolved, silenceRows, sensorList, summary);
    }

    public AlertRow? Find(string id)
    {
        if (pipeline.Book.Find(id) is not { } alert)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var inForce = alert.State == NotificationState.Firing ? silences.List().Where(s => s.StateAt(now) == "active").ToList() : [];
        return Row(alert, pipeline.Evaluator.Rules, catalog, inForce);
    }

    /// <summary>The notifications of one alert still in the outbox journal (the last <see cref="NotificationLookBack"/> made), oldest first.</summary>
    public IReadOnlyList<NotificationRow> NotificationsOf(string alertId)
    {
        var from = Math.Max(0, pipeline.Book.LastSequence - NotificationLookBack);
        return [.. outbox.After(from)
            .Where(n => n.AlertId == alertId)
            .Select(n => new NotificationRow(n.Sequence, n.Reason.ToString(), n.State == NotificationState.Firing ? "firing" : "resolved", n.Severity.ToName(), n.Value, n.CreatedAt, n.Acknowledgement?.By))];
    }

    /// <summary>An officer's acknowledgement, through the alert engine (saved at once, its audit record durable).</summary>
    public async ValueTask<AcknowledgeOutcome> AcknowledgeAsync(string alertId, string by, string? comment, CancellationToken cancellationToken) =>
        (await pipeline.AcknowledgeAsync(alertId, by, comment, cancellationToken)).Outcome;

    /// <summary>The firing alerts a silence with <paramref name="match"/> would hold back now.</summary>
    public IReadOnlyList<AlertInstance> Preview(SilenceMatch match) =>
        [.. pipeline.Book.Firing().Where(a => SilenceMatching.Matches(match, a))];

    private static AlertRow Row(AlertInstance alert, IReadOnlyList<AlertRule> rules, MetricCatalog catalog, IReadOnlyList<Silence> inForce)
    {
        var rule = rules.FirstOrDefault(r => string.Equals(r.Name, alert.Rule, StringComparison.Ordinal));
        var unit = alert.Metric is { } metric && catalog.TryGet(alert.Kind, metric, out var definition) ? definition.Unit : null;
        var standard = rule?.Condition is AqiCondition aqi ? aqi.Standard.Name() : null;
        var until = inForce.Where(s => SilenceMatching.Matches(s.Match, alert)).Select(s => (DateTimeOffset?)s.EndsAt).Max();
        return new AlertRow(alert, rule?.Description, unit, standard, until);
    }
}

/// <summary>Whether a silence's matchers match an alert: the router's own rule (<see cref="SilenceMatch.Matches"/>), on the alert's labels.</summary>
public static class SilenceMatching
{
    public static bool Matches(SilenceMatch match, AlertInstance alert)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(alert);
        return match.Matches(alert.Severity, alert.Kind, alert.Site, alert.Device, alert.Rule, alert.Metric);
    }
}
