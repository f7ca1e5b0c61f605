using System.Globalization;

namespace EcoMonitor.Feed.Cap;

/// <summary>
/// CAP 1.2 times (docs/feed.md#times): <c>2026-12-02T08:00:00+08:00</c>, whole seconds, never
/// <c>Z</c>, UTC written <c>-00:00</c> (CAP 1.2 §3.3.2). Never the round-trip "o" format.
/// </summary>
internal static class CapTime
{
    public static string Format(DateTimeOffset time, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(Truncate(time), zone);
        var text = local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        return text.EndsWith("+00:00", StringComparison.Ordinal) ? text[..^6] + "-00:00" : text;
    }

    /// <summary>Whole seconds: what a CAP time can say, so what the feed keeps and compares.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) =>
        new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), time.Offset);
}
