namespace EcoMonitor.Sensors;

/// <summary>
/// One device as <c>/api/sensors</c> and the officers' page show it (docs/sensors.md). Times are
/// instants; the page turns them into the station's time zone.
/// </summary>
/// <param name="Status"><c>online</c>, <c>stale</c> or <c>offline</c> (<see cref="SensorStatus"/>).</param>
/// <param name="StatusReason">Why, in words: "last will", "no reading for 42m", "reporting".</param>
/// <param name="LastSeen">Receive time of the latest message (readings or status).</param>
/// <param name="LastReadingAt">Device time of the latest reading.</param>
/// <param name="Announced">The latest retained status the node published itself (<c>online</c>/<c>offline</c>), or null.</param>
public sealed record SensorView(
    string Site,
    string Device,
    string Kind,
    string Status,
    string StatusReason,
    DateTimeOffset? LastSeen,
    DateTimeOffset? LastReadingAt,
    string? Announced,
    IReadOnlyList<MetricView> Metrics,
    AqiView? Aqi,
    WaterClassView? WaterClass,
    SoilStateView? Soil);

/// <summary>The latest value of one metric, and its last 24 hourly means (oldest first) for a sparkline.</summary>
public sealed record MetricView(string Metric, double Value, string Unit, DateTimeOffset At, IReadOnlyList<HourlyMean> Hourly);

/// <summary>The mean of one clock hour (UTC hour start) and how many readings made it.</summary>
public sealed record HourlyMean(DateTimeOffset Hour, double Mean, int Count);

/// <summary>
/// The air-quality index of the device's latest hour under the site's standard. <see cref="Value"/>
/// null is <c>NA</c> (not computable, as HJ 633 says); then level, category and colour are null too.
/// </summary>
/// <param name="Primary">Catalog metric names (<c>pm25</c>, <c>o3</c>); empty at AQI 50 or below under HJ 633.</param>
/// <param name="Hour">The UTC hour the index is of: that of the device's newest pollutant reading (docs/sensors.md#aqi).</param>
/// <param name="Note">Why the index is <c>NA</c>, or that it is a lower bound; null otherwise.</param>
public sealed record AqiView(
    string Standard,
    int? Value,
    int? Level,
    string? CategoryZh,
    string? CategoryEn,
    string? Color,
    IReadOnlyList<string> Primary,
    DateTimeOffset? Hour = null,
    string? Note = null);

/// <summary>GB 3838-2002: class 1–5 (Ⅰ–Ⅴ) or 6 (劣Ⅴ), and the parameter that decides it (the worst one).</summary>
public sealed record WaterClassView(int Class, string Numeral, string DecidingMetric, double DecidingValue);

/// <summary>
/// GB 15618-2018 for the device's metals: <c>below-screening</c>, <c>above-screening</c> or
/// <c>above-intervention</c>, and the metals above the screening value.
/// </summary>
public sealed record SoilStateView(string State, IReadOnlyList<string> Exceeding, double? Ph);

/// <summary>The status words.</summary>
public static class SensorStatus
{
    public const string Online = "online";
    public const string Stale = "stale";
    public const string Offline = "offline";
}
