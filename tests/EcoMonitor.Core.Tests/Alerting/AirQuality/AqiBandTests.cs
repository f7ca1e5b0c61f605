using EcoMonitor.Core.Alerting.AirQuality;
using Xunit;
using static EcoMonitor.Core.Tests.Alerting.AirQuality.AqiTestSupport;

namespace EcoMonitor.Core.Tests.Alerting.AirQuality;

/// <summary>Levels, categories and colours at every band edge (HJ 633 Table 2/Table 1; EPA TAD Tables 1–2).</summary>
public sealed class AqiBandTests
{
    [Theory]
    [InlineData(0, 1, "一级", "优", "Excellent", "#00E400", 0, 228, 0)]
    [InlineData(50, 1, "一级", "优", "Excellent", "#00E400", 0, 228, 0)]
    [InlineData(51, 2, "二级", "良", "Good", "#FFFF00", 255, 255, 0)]
    [InlineData(100, 2, "二级", "良", "Good", "#FFFF00", 255, 255, 0)]
    [InlineData(101, 3, "三级", "轻度污染", "Lightly polluted", "#FF7E00", 255, 126, 0)]
    [InlineData(150, 3, "三级", "轻度污染", "Lightly polluted", "#FF7E00", 255, 126, 0)]
    [InlineData(151, 4, "四级", "中度污染", "Moderately polluted", "#FF0000", 255, 0, 0)]
    [InlineData(200, 4, "四级", "中度污染", "Moderately polluted", "#FF0000", 255, 0, 0)]
    [InlineData(201, 5, "五级", "重度污染", "Heavily polluted", "#99004C", 153, 0, 76)]
    [InlineData(300, 5, "五级", "重度污染", "Heavily polluted", "#99004C", 153, 0, 76)]
    [InlineData(301, 6, "六级", "严重污染", "Severely polluted", "#7E0023", 126, 0, 35)]
    [InlineData(500, 6, "六级", "严重污染", "Severely polluted", "#7E0023", 126, 0, 35)]
    public void HJ_633_bands(int aqi, int level, string levelName, string zh, string en, string hex, int r, int g, int b)
    {
        foreach (var version in new[] { AqiStandard.Hj633_2026, AqiStandard.Hj633_2012 })
        {
            var band = AqiBands.Of(version, aqi);
            Assert.Equal(level, band.Level);
            Assert.Equal(levelName, band.LevelName);
            Assert.Equal(zh, band.CategoryZh);
            Assert.Equal(en, band.Category);
            Assert.Equal(hex, band.Color.Hex);
            Assert.Equal(new AqiColor((byte)r, (byte)g, (byte)b), band.Color);
        }
    }

    [Theory]
    [InlineData(0, 1, "Good", "#00E400", 0, 228, 0)]
    [InlineData(50, 1, "Good", "#00E400", 0, 228, 0)]
    [InlineData(51, 2, "Moderate", "#FFFF00", 255, 255, 0)]
    [InlineData(100, 2, "Moderate", "#FFFF00", 255, 255, 0)]
    [InlineData(101, 3, "Unhealthy for Sensitive Groups", "#FF7E00", 255, 126, 0)]
    [InlineData(150, 3, "Unhealthy for Sensitive Groups", "#FF7E00", 255, 126, 0)]
    [InlineData(151, 4, "Unhealthy", "#FF0000", 255, 0, 0)]
    [InlineData(200, 4, "Unhealthy", "#FF0000", 255, 0, 0)]
    [InlineData(201, 5, "Very Unhealthy", "#8F3F97", 143, 63, 151)]
    [InlineData(300, 5, "Very Unhealthy", "#8F3F97", 143, 63, 151)]
    [InlineData(301, 6, "Hazardous", "#7E0023", 126, 0, 35)]
    [InlineData(500, 6, "Hazardous", "#7E0023", 126, 0, 35)]
    [InlineData(737, 6, "Hazardous", "#7E0023", 126, 0, 35)]
    public void EPA_categories(int aqi, int level, string category, string hex, int r, int g, int b)
    {
        var band = AqiBands.Of(AqiStandard.Epa2024, aqi);

        Assert.Equal(level, band.Level);
        Assert.Equal(category, band.Category);
        Assert.Null(band.LevelName);
        Assert.Equal(hex, band.Color.Hex);
        Assert.Equal(new AqiColor((byte)r, (byte)g, (byte)b), band.Color);
    }

    /// <summary>The same edges reached through the calculator: concentrations whose AQI is exactly an edge.</summary>
    [Theory]
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "35", 50, 1)]
    [InlineData(AqiStandard.Hj633_2012, "pm10_24h", "51", 51, 2)]
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "60", 100, 2)]
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "61", 101, 3)]
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "115", 150, 3)]
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "116", 152, 4)]
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "150", 200, 4)]
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "151", 201, 5)]
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "250", 300, 5)]
    [InlineData(AqiStandard.Hj633_2026, "pm25_24h", "251", 301, 6)]
    [InlineData(AqiStandard.Epa2024, "pm25_24h", "9.0", 50, 1)]
    [InlineData(AqiStandard.Epa2024, "pm25_24h", "9.1", 51, 2)]
    [InlineData(AqiStandard.Epa2024, "pm25_24h", "35.4", 100, 2)]
    [InlineData(AqiStandard.Epa2024, "pm25_24h", "35.5", 101, 3)]
    [InlineData(AqiStandard.Epa2024, "pm25_24h", "55.4", 150, 3)]
    [InlineData(AqiStandard.Epa2024, "pm25_24h", "55.5", 151, 4)]
    [InlineData(AqiStandard.Epa2024, "pm25_24h", "125.4", 200, 4)]
    [InlineData(AqiStandard.Epa2024, "pm25_24h", "125.5", 201, 5)]
    [InlineData(AqiStandard.Epa2024, "pm25_24h", "225.4", 300, 5)]
    [InlineData(AqiStandard.Epa2024, "pm25_24h", "225.5", 301, 6)]
    public void Band_edges_through_the_calculator(AqiStandard standard, string name, string concentration, int aqi, int level)
    {
        var result = Calc(standard, (name, decimal.Parse(concentration, System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(aqi, result.Aqi);
        Assert.Equal(level, result.Band!.Level);
    }
}
