using System.Globalization;
using System.Net;
using System.Text;
using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Notifications.Delivery;
using EcoMonitor.Notifications.Outbox;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Notifications.Templates;

/// <summary>
/// Puts notifications into words, in Chinese (<c>zh-CN</c>) or English (<c>en</c>): state,
/// severity, rule, site/device, metric with value and unit, threshold and the standard it comes
/// from (the rule's description), the AQI level and colour for AQI rules, start (and end) time in
/// the channel's time zone, and a link to the alert on the officers' page.
/// </summary>
internal sealed class NotificationFormatter(MetricCatalog catalog, IOptions<NotificationOptions> options)
{
    public const string Chinese = "zh-CN";
    public const string English = "en";

    public RenderedMessage Render(IReadOnlyList<AlertNotification> notifications, string? language = null, string? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        ArgumentOutOfRangeException.ThrowIfZero(notifications.Count);
        var zh = (language ?? options.Value.Language) != English;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone ?? options.Value.TimeZone);
        var lines = notifications.Select(n => Line(n, zh, zone, markdown: true)).ToList();
        var title = Title(notifications, zh);
        var markdown = new StringBuilder().Append("### ").Append(title).Append("\n\n");
        var text = new StringBuilder().Append(title).Append('\n');
        var html = new StringBuilder().Append("<h3>").Append(WebUtility.HtmlEncode(title)).Append("</h3><ul>");
        foreach (var n in notifications)
        {
            markdown.Append("- ").Append(Line(n, zh, zone, markdown: true)).Append('\n');
            text.Append("- ").Append(Line(n, zh, zone, markdown: false)).Append('\n');
            html.Append("<li>").Append(WebUtility.HtmlEncode(Line(n, zh, zone, markdown: false))).Append("</li>");
        }

        html.Append("</ul>");
        return new RenderedMessage(title, markdown.ToString(), text.ToString(), html.ToString(), lines, zh ? Chinese : English);
    }

    /// <summary>One line: "[firing] warning pm25-high at site-02/air/air-02: PM2.5 36.6 µg/m³ > 35 µg/m³, since …".</summary>
    public string Line(AlertNotification n, bool zh, TimeZoneInfo zone, bool markdown)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(zone);
        // The catalog answers for notifications queued before they carried their unit.
        var unit = n.Unit is { Length: > 0 } carried ? " " + carried
            : n.Metric is { } m && catalog.TryGet(n.Kind, m, out var definition) ? " " + definition.Unit : string.Empty;
        var state = n.State == NotificationState.Firing ? (zh ? "告警" : "FIRING") : (zh ? "恢复" : "RESOLVED");
        var severity = SeverityName(n.Severity, zh);
        var sensor = $"{n.Site}/{n.Kind.ToName()}/{n.Device}";
        var b = new StringBuilder();
        b.Append(markdown ? $"**{state}** " : $"[{state}] ").Append(severity).Append(' ').Append(n.Rule).Append(zh ? " · " : " at ").Append(sensor).Append(": ");
        b.Append(MetricLabel(n)).Append(' ').Append(Number(n.Value)).Append(n.Metric == "aqi" ? string.Empty : unit);
        b.Append(zh ? "（阈值 " : " (threshold ").Append(Number(n.Threshold)).Append(n.Metric == "aqi" ? string.Empty : unit).Append(zh ? "）" : ")");
        if (n.Metric == "aqi")
        {
            var band = AqiBands.Of(n.AqiStandard ?? AqiStandard.Hj633_2026, (int)Math.Round(n.Value, MidpointRounding.AwayFromZero));
            b.Append(zh ? $"，{band.Level} 级 {band.CategoryZh}（{band.ColorName} {band.Color.Hex}）" : $", level {band.Level} {band.Category} ({band.ColorName} {band.Color.Hex})");
        }

        b.Append(zh ? "，开始于 " : ", since ").Append(Time(n.StartsAt, zone));
        if (n.EndsAt is { } end)
        {
            b.Append(zh ? "，结束于 " : ", ended ").Append(Time(end, zone));
        }

        if (n.Description is { Length: > 0 } description)
        {
            b.Append(zh ? "。依据：" : ". Basis: ").Append(description);
        }

        if (n.Late)
        {
            b.Append(zh ? "。（补传数据中发现）" : ". (found in replayed data)");
        }

        if (n.HeldEpisodes > 0)
        {
            b.Append(zh ? $"。期间另有 {n.HeldEpisodes} 次告警已结束" : $". {n.HeldEpisodes} more episode(s) began and ended meanwhile");
        }

        if (n.Reason is NotificationReason.FlappingStarted)
        {
            b.Append(zh ? "。状态频繁变化，暂停通知直至稳定" : ". Flapping: further changes held until it settles");
        }
        else if (n.Reason is NotificationReason.Repeat)
        {
            b.Append(zh ? "。仍在告警，尚未确认" : ". Still firing, not acknowledged");
        }
        else if (n.Reason is NotificationReason.RuleChanged)
        {
            b.Append(zh ? "。规则已修改或删除" : ". The rule was changed or removed");
        }

        if (n.Acknowledgement is { } ack)
        {
            b.Append(zh ? $"。已由 {ack.By} 确认" : $". Acknowledged by {ack.By}");
        }

        if (options.Value.PublicUrl is { } url)
        {
            var link = new Uri(url, $"alerts/{n.AlertId}").ToString();
            b.Append(zh ? "。" : ". ").Append(markdown ? $"[{(zh ? "详情" : "Details")}]({link})" : link);
        }

        return b.ToString();
    }

    public static string SeverityName(AlertSeverity severity, bool zh) => severity switch
    {
        AlertSeverity.Critical => zh ? "严重" : "critical",
        AlertSeverity.Warning => zh ? "警告" : "warning",
        _ => zh ? "提示" : "info",
    };

    private static string Title(IReadOnlyList<AlertNotification> notifications, bool zh)
    {
        var first = notifications[0];
        var firing = notifications.Count(n => n.State == NotificationState.Firing);
        var resolved = notifications.Count - firing;
        if (notifications.Count == 1)
        {
            var state = first.State == NotificationState.Firing ? (zh ? "告警" : "FIRING") : (zh ? "恢复" : "RESOLVED");
            return zh
                ? $"【{state}】{SeverityName(first.Severity, true)} {first.Rule} · {first.Site}/{first.Device}"
                : $"[{state}] {first.Severity.ToString().ToLowerInvariant()} {first.Rule} at {first.Site}/{first.Device}";
        }

        var sites = notifications.Select(n => n.Site).Distinct(StringComparer.Ordinal).ToList();
        var where = sites.Count == 1 ? sites[0] : string.Join(", ", sites.Take(3)) + (sites.Count > 3 ? "…" : string.Empty);
        return zh
            ? $"【{where}】{firing} 条告警，{resolved} 条恢复"
            : $"[{where}] {firing} firing, {resolved} resolved";
    }

    private static string MetricLabel(AlertNotification n) => n.Metric switch
    {
        null => "silence (s)",
        "pm25" => "PM2.5",
        "pm10" => "PM10",
        "aqi" => "AQI",
        { } m => m.ToUpperInvariant() == m ? m : m.Replace('_', ' '),
    };

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);
}
