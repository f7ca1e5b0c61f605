using EcoMonitor.Feed;
using EcoMonitor.Feed.Cap;

namespace EcoMonitor.Service.Tests.Feed;

/// <summary><c>Feed</c> options are validated at start with the reason (docs/feed.md#configuration); CAP text stays plain.</summary>
public sealed class FeedOptionsTests
{
    [Theory]
    [InlineData("Sender", "eco monitor@example.gov.cn", "Feed:Sender")]
    [InlineData("Sender", "a,b", "Feed:Sender")]
    [InlineData("TimeZone", "Mars/Olympus", "Feed:TimeZone")]
    [InlineData("Web", "ftp://example.gov.cn", "Feed:Web")]
    [InlineData("Circle", "30.5,114.3", "Circle")]
    [InlineData("Circle", "95,114.3 2", "Circle")]
    [InlineData("Polygon", "30,114 31,114 31,115 30,115", "Polygon")]
    [InlineData("Adcode", "42010", "Adcode")]
    [InlineData("AreaDescEn", "", "AreaDescZh or AreaDescEn")]
    public void A_bad_value_is_refused_with_its_key(string key, string value, string reason)
    {
        var options = FeedScenario.DefaultOptions();
        var site = options.Sites["east"];
        site.AreaDescZh = key == "AreaDescEn" ? "" : site.AreaDescZh;
        switch (key)
        {
            case "Sender": options.Sender = value; break;
            case "TimeZone": options.TimeZone = value; break;
            case "Web": options.Web = value; break;
            case "Circle": site.Circle = value; break;
            case "Polygon": site.Polygon = value; break;
            case "Adcode": site.Adcode = value; break;
            default: site.AreaDescEn = value; break;
        }

        var result = new FeedOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(reason, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_and_the_documented_example_are_valid_and_the_bounds_hold_together()
    {
        Assert.True(new FeedOptionsValidator().Validate(null, new FeedOptions()).Succeeded);
        Assert.True(new FeedOptionsValidator().Validate(null, FeedScenario.DefaultOptions()).Succeeded);
        var options = new FeedOptions { ReissueBefore = TimeSpan.FromHours(6), MaxChains = 6000 };
        var result = new FeedOptionsValidator().Validate(null, options);
        Assert.Contains("Feed:ReissueBefore", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Feed:MaxChains", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_looks_like_markup_or_that_XML_cannot_carry_is_made_plain()
    {
        Assert.Equal("PM2.5 ＜ 75 ＆ rising", CapWriter.Plain("PM2.5 < 75 & rising\u0001"));
        Assert.Equal("细颗粒物", CapWriter.Plain("细颗粒物"));
    }

    [Theory]
    [InlineData("Asia/Shanghai", "2026-12-02T08:00:00+08:00")]
    [InlineData("Etc/UTC", "2026-12-02T00:00:00-00:00")]
    [InlineData("America/New_York", "2026-12-01T19:00:00-05:00")]
    public void CAP_times_have_whole_seconds_the_zone_s_offset_and_UTC_as_minus_zero(string zone, string expected) =>
        Assert.Equal(expected, CapTime.Format(new DateTimeOffset(2026, 12, 2, 0, 0, 0, 999, TimeSpan.Zero), TimeZoneInfo.FindSystemTimeZoneById(zone)));
}
