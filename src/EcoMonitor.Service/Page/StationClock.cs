using System.Globalization;

namespace EcoMonitor.Service.Page;

/// <summary>
/// Times as the page shows them: in the station's zone (<c>Ui:TimeZone</c>) with its offset,
/// absolute and relative to now (docs/page.md#time-zone). Never UTC unless the station is.
/// </summary>
public sealed class StationClock(TimeZoneInfo zone, DateTimeOffset now)
{
    public TimeZoneInfo Zone { get; } = zone;

    public DateTimeOffset Now { get; } = now;

    public static TimeZoneInfo ZoneOf(UiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.TimeZone.Length > 0 && TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out var zone) ? zone : TimeZoneInfo.Local;
    }

    /// <summary>The zone's name and its offset now, e.g. <c>Asia/Shanghai (UTC+08:00)</c>.</summary>
    public string ZoneLabel => $"{Zone.Id} ({Offset(Now)})";

    public DateTimeOffset Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Zone);

    /// <summary><c>2026-12-02 16:05:03 UTC+08:00</c>.</summary>
    public string Absolute(DateTimeOffset at) => Local(at).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " " + Offset(at);

    /// <summary>ISO 8601 with the station offset, for <c>&lt;time datetime&gt;</c>.</summary>
    public string Machine(DateTimeOffset at) => Local(at).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary><c>HH:mm</c> of the station: the hour labels of a chart.</summary>
    public string HourMinute(DateTimeOffset at) => Local(at).ToString("HH:mm", CultureInfo.InvariantCulture);

    public string Offset(DateTimeOffset at)
    {
        var offset = Zone.GetUtcOffset(at);
        return "UTC" + (offset < TimeSpan.Zero ? "-" : "+") + offset.ToString(@"hh\:mm", CultureInfo.InvariantCulture);
    }

    /// <summary>"5 min ago" / "5分钟前", or "in 2 h" for a future instant.</summary>
    public string Relative(DateTimeOffset at, PageText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = Now - at;
        if (span.Duration() < TimeSpan.FromSeconds(5))
        {
            return text["rel.now"];
        }

        return string.Format(CultureInfo.InvariantCulture, text[span > TimeSpan.Zero ? "rel.ago" : "rel.in"], Duration(span.Duration(), text));
    }

    /// <summary>Two units at most: <c>3 d 4 h</c>, <c>12 min</c>, <c>40 s</c> (zh: <c>3天4小时</c>).</summary>
    public static string Duration(TimeSpan span, PageText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var zh = text.IsChinese;
        string Unit(long n, string en, string cn) => zh ? $"{n}{cn}" : $"{n} {en}";
        var parts = new List<string>(2);
        if (span.TotalDays >= 1)
        {
            parts.Add(Unit((long)span.TotalDays, "d", "天"));
            if (span.Hours > 0)
            {
                parts.Add(Unit(span.Hours, "h", "小时"));
            }
        }
        else if (span.TotalHours >= 1)
        {
            parts.Add(Unit(span.Hours, "h", "小时"));
            if (span.Minutes > 0)
            {
                parts.Add(Unit(span.Minutes, "min", "分钟"));
            }
        }
        else if (span.TotalMinutes >= 1)
        {
            parts.Add(Unit(span.Minutes, "min", "分钟"));
        }
        else
        {
            parts.Add(Unit(Math.Max(0, span.Seconds), "s", "秒"));
        }

        return string.Join(zh ? "" : " ", parts);
    }
}
