using EcoMonitor.Service.Page;

namespace EcoMonitor.Service.Tests.Page;

/// <summary><c>Ui</c> is checked at start: what would fail at run time is refused with the key named.</summary>
public sealed class UiOptionsTests
{
    [Theory]
    [InlineData("StationName", "")]
    [InlineData("TimeZone", "Mars/Olympus_Mons")]
    [InlineData("WaterPalette", "7=#000000")]
    [InlineData("WaterPalette", "3=green")]
    [InlineData("MaxLiveClients", "-1")]
    [InlineData("LiveCheckInterval", "00:00:00.010")]
    [InlineData("PollInterval", "00:00:01")]
    public void A_value_that_cannot_work_is_refused_with_its_key(string key, string value)
    {
        var options = new UiOptions();
        switch (key)
        {
            case "StationName": options.StationName = value; break;
            case "TimeZone": options.TimeZone = value; break;
            case "WaterPalette": options.WaterPalette[value.Split('=')[0]] = value.Split('=')[1]; break;
            case "MaxLiveClients": options.MaxLiveClients = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "LiveCheckInterval": options.LiveCheckInterval = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            default: options.PollInterval = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var result = new UiOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains($"Ui:{key}", result.FailureMessage, StringComparison.Ordinal);
        Assert.False(new UiOptionsValidator().Validate(null, new UiOptions { TimeZone = "Asia/Shanghai", WaterPalette = new() { ["6"] = "#400000" } }).Failed);
    }
}
