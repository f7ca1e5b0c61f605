namespace EcoMonitor.Core.Alerting.AirQuality;

/// <summary>A display colour, as the standards give it: sRGB components and the hex form.</summary>
public sealed record AqiColor(byte R, byte G, byte B)
{
    public string Hex => $"#{R:X2}{G:X2}{B:X2}";

    public override string ToString() => Hex;
}

/// <summary>
/// One band of the index scale: the AQI range it covers (<see cref="MaxAqi"/> null for the open top band),
/// its level number, names and colour.
/// </summary>
/// <param name="LevelName">HJ 633's level name (一级 … 六级); null for EPA, whose bands have only category names.</param>
public sealed record AqiBand(
    int Level,
    int MinAqi,
    int? MaxAqi,
    string? LevelName,
    string Category,
    string CategoryZh,
    string ColorName,
    AqiColor Color)
{
    public bool Contains(int aqi) => aqi >= MinAqi && (MaxAqi is null || aqi <= MaxAqi);
}

/// <summary>The band tables: HJ 633 Table 2 (2012) / Table 1 (2026), identical in both; EPA TAD Tables 1 and 2.</summary>
public static class AqiBands
{
    /// <summary>
    /// HJ 633 bands. The standard names the categories only in Chinese; the English names are the usual
    /// translation. 2026 writes the first band as 1–50 (AQI range 1–500), but an all-zero sample has AQI 0,
    /// which is as clean as air gets, so band 1 starts at 0.
    /// </summary>
    public static IReadOnlyList<AqiBand> Hj633 { get; } =
    [
        new(1, 0, 50, "一级", "Excellent", "优", "green", new AqiColor(0, 228, 0)),
        new(2, 51, 100, "二级", "Good", "良", "yellow", new AqiColor(255, 255, 0)),
        new(3, 101, 150, "三级", "Lightly polluted", "轻度污染", "orange", new AqiColor(255, 126, 0)),
        new(4, 151, 200, "四级", "Moderately polluted", "中度污染", "red", new AqiColor(255, 0, 0)),
        // China's purple is not the US purple (153,0,76 against 143,63,151).
        new(5, 201, 300, "五级", "Heavily polluted", "重度污染", "purple", new AqiColor(153, 0, 76)),
        new(6, 301, null, "六级", "Severely polluted", "严重污染", "maroon", new AqiColor(126, 0, 35)),
    ];

    /// <summary>
    /// EPA categories. The Chinese names are the common translation (not part of the TAD), given so the
    /// verb's output has the same shape whichever standard is chosen. The top band is open: EPA extrapolates
    /// above 500 and such values are still Hazardous.
    /// </summary>
    public static IReadOnlyList<AqiBand> Epa { get; } =
    [
        new(1, 0, 50, null, "Good", "良好", "green", new AqiColor(0, 228, 0)),
        new(2, 51, 100, null, "Moderate", "中等", "yellow", new AqiColor(255, 255, 0)),
        new(3, 101, 150, null, "Unhealthy for Sensitive Groups", "对敏感人群不健康", "orange", new AqiColor(255, 126, 0)),
        new(4, 151, 200, null, "Unhealthy", "不健康", "red", new AqiColor(255, 0, 0)),
        new(5, 201, 300, null, "Very Unhealthy", "非常不健康", "purple", new AqiColor(143, 63, 151)),
        new(6, 301, null, null, "Hazardous", "危险", "maroon", new AqiColor(126, 0, 35)),
    ];

    public static IReadOnlyList<AqiBand> For(AqiStandard standard) => standard == AqiStandard.Epa2024 ? Epa : Hj633;

    /// <summary>The band of <paramref name="aqi"/> (0 or more) under <paramref name="standard"/>.</summary>
    public static AqiBand Of(AqiStandard standard, int aqi)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(aqi);
        return For(standard).First(b => b.Contains(aqi));
    }
}
