using EcoMonitor.Core.Decoding;
using Xunit;

namespace EcoMonitor.Core.Tests.Decoding;

public sealed class TopicPatternTests
{
    [Theory]
    [InlineData("eco/{site}/{kind}/{device}", "eco/+/+/+")]
    [InlineData("v3/+/devices/{device}/up", "v3/+/devices/+/up")]
    [InlineData("tele/{device}/SENSOR", "tele/+/SENSOR")]
    [InlineData("sensors/{site}/#", "sensors/+/#")]
    public void The_filter_replaces_named_levels_with_single_level_wildcards(string pattern, string filter) =>
        Assert.Equal(filter, TopicPattern.Parse(pattern).Filter);

    [Fact]
    public void Named_levels_are_captured()
    {
        Assert.True(TopicPattern.Parse("eco/{site}/{kind}/{device}").TryMatch("eco/s1/air/n1", out var captures));
        Assert.Equal(new Dictionary<string, string> { ["site"] = "s1", ["kind"] = "air", ["device"] = "n1" }, captures);
    }

    [Theory]
    [InlineData("eco/{site}/{kind}/{device}", "eco/s1/air")]
    [InlineData("eco/{site}/{kind}/{device}", "eco/s1/air/n1/status")]
    [InlineData("eco/{site}/{kind}/{device}", "other/s1/air/n1")]
    [InlineData("v3/+/devices/{device}/up", "v3/app@ttn/devices/d1/join")]
    public void Topics_of_another_shape_do_not_match(string pattern, string topic) =>
        Assert.False(TopicPattern.Parse(pattern).TryMatch(topic, out _));

    [Theory]
    [InlineData("eco/{site}/{kind}/{device}", "eco/s1/air/n1")]
    [InlineData("eco/{site}/{kind}/{device}", "eco/s1/fire/n1")]
    [InlineData("eco/{site}/{kind}/{device}", "eco//air/n1")]
    [InlineData("eco/{site}/{kind}/{device}", "eco/s1/air/")]
    [InlineData("eco/{site}/{kind}/{device}", "eco/s1/air")]
    [InlineData("eco/{site}/{kind}/{device}", "eco/s1/air/n1/")]
    [InlineData("eco/{site}/{kind}/{device}", "ecology/s1/air/n1")]
    [InlineData("v3/+/devices/{device}/up", "v3/app@ttn/devices/d1/up")]
    [InlineData("v3/+/devices/{device}/up", "v3/app@ttn/devices/d1/upx")]
    [InlineData("sensors/{site}/#", "sensors/s1")]
    [InlineData("sensors/{site}/#", "sensors/s1/a/b")]
    [InlineData("sensors/{site}/#", "sensors")]
    [InlineData("tele/{device}/SENSOR", "tele/d1/SENSOR")]
    [InlineData("tele/{device}/SENSOR", "tele/d1/sensor")]
    public void IsMatch_and_TryMatchAddress_agree_with_TryMatch(string pattern, string topic)
    {
        var parsed = TopicPattern.Parse(pattern);
        var matched = parsed.TryMatch(topic, out var captures);

        Assert.Equal(matched, parsed.IsMatch(topic));
        Assert.Equal(matched, parsed.TryMatchAddress(topic, out var site, out var kind, out var device));
        if (matched)
        {
            Assert.Equal(captures.GetValueOrDefault("site"), site);
            Assert.Equal(captures.GetValueOrDefault("kind"), kind);
            Assert.Equal(captures.GetValueOrDefault("device"), device);
        }
    }

    [Fact]
    public void A_final_hash_matches_the_rest()
    {
        Assert.True(TopicPattern.Parse("sensors/{site}/#").TryMatch("sensors/s1/a/b/c", out var captures));
        Assert.Equal("s1", captures["site"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("eco/{}/x")]
    [InlineData("eco/{site}/{site}")]
    [InlineData("v3/{app}@{tenant}/devices")]
    [InlineData("eco/#/x")]
    [InlineData("eco/a+/x")]
    public void Malformed_patterns_are_refused_with_a_reason(string pattern)
    {
        Assert.False(TopicPattern.TryParse(pattern, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }
}
