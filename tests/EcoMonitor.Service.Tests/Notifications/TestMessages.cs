using EcoMonitor.Alerting;
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
/// Notifications put into words by the real <see cref="NotificationFormatter"/>, with the rules of a
/// temporary rules file (so lines carry the rules' descriptions), in the channel's language.
/// </summary>
public sealed class TestMessages : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);

    public const string Site = "bj-chaoyang";

    private const string Rules = """
        rules:
          - name: pm25-high
            description: GB 3095-2012 二级浓度限值（24 小时平均）75 µg/m³
            kind: air
            metric: pm25
            above: 75
            severity: warning
          - name: no2-critical
            kind: air
            metric: no2
            above: 200
            severity: critical
          - name: ph-low
            kind: water
            metric: ph
            below: 6
            severity: info
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ecomonitor-notify-");
    private readonly NotificationFormatter _formatter;
    private readonly AlertRuleSet _rules;
    private readonly NotificationDescriber _describer = new(MetricCatalog.Default);
    private long _sequence;

    public TestMessages()
    {
        var rules = Path.Combine(_directory.FullName, "alert-rules.yaml");
        File.WriteAllText(rules, Rules);
        _rules = new AlertRuleSet(MsOptions.Create(new AlertOptions { RulesFile = rules }), MetricCatalog.Default, NullLogger<AlertRuleSet>.Instance);
        _formatter = new NotificationFormatter(MetricCatalog.Default, MsOptions.Create(new NotificationOptions { Language = "zh-CN", TimeZone = "Asia/Shanghai" }));
    }

    /// <summary>A PM2.5 warning firing at <c>{Site}/air/{device}</c>.</summary>
    public AlertNotification Pm25(string device, double value, NotificationState state = NotificationState.Firing) =>
        Make("pm25-high", AlertSeverity.Warning, SensorKind.Air, device, "pm25", value, 75, state);

    /// <summary>An NO₂ critical alert.</summary>
    public AlertNotification No2(string device, double value, NotificationState state = NotificationState.Firing) =>
        Make("no2-critical", AlertSeverity.Critical, SensorKind.Air, device, "no2", value, 200, state);

    /// <summary>A pH info alert on a water sensor.</summary>
    public AlertNotification Ph(string device, double value, NotificationState state = NotificationState.Firing) =>
        Make("ph-low", AlertSeverity.Info, SensorKind.Water, device, "ph", value, 6, state);

    /// <summary>The message a channel gets: the notifications rendered in <paramref name="language"/>, Beijing time.</summary>
    public NotificationMessage Message(string language, params AlertNotification[] notifications) =>
        new("robot", $"msg-{Guid.NewGuid():N}", Site, notifications, _formatter.Render(notifications, language, "Asia/Shanghai"));

    /// <summary>A backlog of <paramref name="count"/> PM2.5 alerts from as many devices.</summary>
    public NotificationMessage Storm(string language, int count) =>
        Message(language, [.. Enumerable.Range(1, count).Select(i => Pm25($"air-{i:000}", 80 + (i % 50)))]);

    public void Dispose() => _directory.Delete(recursive: true);

    private AlertNotification Make(string rule, AlertSeverity severity, SensorKind kind, string device, string metric, double value, double threshold, NotificationState state)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var resolved = state == NotificationState.Resolved;
        return _describer.Describe(new AlertNotification(
            sequence,
            $"{rule}:{device}:{sequence}",
            Convert.ToHexStringLower(BitConverter.GetBytes(sequence * 7919)),
            state,
            resolved ? NotificationReason.Ended : NotificationReason.Started,
            rule,
            severity,
            kind,
            Site,
            device,
            metric,
            value,
            threshold,
            Start,
            resolved ? Start.AddMinutes(30) : null,
            resolved ? Start.AddMinutes(30) : Start,
            false,
            null,
            0,
            null), _rules.Rules);
    }
}
