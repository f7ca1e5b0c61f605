using EcoMonitor.Alerting;
using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Templates;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Notifications;

/// <summary>
/// Real notifications for channel tests: a rules file in a temporary folder, the real
/// <see cref="AlertBook"/> turning transitions into notifications, and the real
/// <see cref="NotificationFormatter"/> putting them into words, as the dispatcher does.
/// </summary>
internal sealed class ChannelScenario : IDisposable
{
    public const string Pm25Description = "GB 3095-2012 grade II, 24 h mean";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ecomonitor-channels-");

    public ChannelScenario(string site, TimeProvider time, NotificationOptions? options = null)
    {
        Site = site;
        Options = options ?? new NotificationOptions();
        var rules = Path.Combine(_directory.FullName, "alert-rules.yaml");
        File.WriteAllText(rules, $"""
            rules:
              - name: pm25-high
                description: {Pm25Description}
                kind: air
                metric: pm25
                above: 75
                severity: warning
              - name: node-silent
                kind: "*"
                deadman: 15m
                severity: warning
            """);
        RuleSet = new AlertRuleSet(MsOptions.Create(new AlertOptions { RulesFile = rules }), MetricCatalog.Default, NullLogger<AlertRuleSet>.Instance);
        Book = new AlertBook(time);
        Formatter = new NotificationFormatter(MetricCatalog.Default, MsOptions.Create(Options));
    }

    public string Site { get; }

    public NotificationOptions Options { get; }

    public AlertRuleSet RuleSet { get; }

    public AlertBook Book { get; }

    public NotificationFormatter Formatter { get; }

    /// <summary>pm25-high starts firing on <paramref name="device"/>.</summary>
    public AlertNotification Fire(string device, double value, DateTimeOffset at, AlertSeverity severity = AlertSeverity.Warning) =>
        Apply(new AlertTransition("pm25-high", severity, SensorKind.Air, Site, device, "pm25", AlertState.Pending, AlertState.Firing, value, 75, at, false));

    /// <summary>The firing pm25-high alert of <paramref name="device"/> changes severity.</summary>
    public AlertNotification Escalate(string device, double value, DateTimeOffset at, AlertSeverity severity) =>
        Apply(new AlertTransition("pm25-high", severity, SensorKind.Air, Site, device, "pm25", AlertState.Firing, AlertState.Firing, value, 150, at, false));

    /// <summary>pm25-high on <paramref name="device"/> ends.</summary>
    public AlertNotification Resolve(string device, double value, DateTimeOffset at, AlertSeverity severity = AlertSeverity.Warning) =>
        Apply(new AlertTransition("pm25-high", severity, SensorKind.Air, Site, device, "pm25", AlertState.Firing, AlertState.Resolved, value, 75, at, false));

    /// <summary>The deadman rule (no metric) fires for <paramref name="device"/>: silent for 20 minutes.</summary>
    public AlertNotification Silent(string device, DateTimeOffset at) =>
        Apply(new AlertTransition("node-silent", AlertSeverity.Warning, SensorKind.Air, Site, device, null, AlertState.Inactive, AlertState.Firing, 1200, 900, at, false));

    /// <summary>One message as the dispatcher makes it for a channel: rendered in its language and time zone.</summary>
    public NotificationMessage Message(string channel, IReadOnlyList<AlertNotification> notifications, string? language = null, string? timeZone = null) =>
        new(channel, string.Join('+', notifications.Select(n => n.Key)), Site, notifications, Formatter.Render(notifications, language, timeZone));

    public void Dispose() => _directory.Delete(recursive: true);

    private AlertNotification Apply(AlertTransition transition) => Describer.Describe(Assert.Single(Book.Apply([transition])), RuleSet.Rules);

    private static readonly NotificationDescriber Describer = new(MetricCatalog.Default);
}
