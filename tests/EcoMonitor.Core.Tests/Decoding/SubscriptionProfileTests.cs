using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Readings;
using Xunit;

namespace EcoMonitor.Core.Tests.Decoding;

/// <summary>Where site, kind and device come from, and the rule that a node cannot write another node's series.</summary>
public sealed class SubscriptionProfileTests
{
    private static readonly SubscriptionProfile Tasmota = new()
    {
        Format = "tasmota",
        Topic = TopicPattern.Parse("tele/{device}/SENSOR"),
        Site = "farm-7",
        Kind = SensorKind.Air,
    };

    [Fact]
    public void Topic_levels_come_first_then_fixed_values()
    {
        Assert.True(Tasmota.TryResolveAddress("tele/node-1/SENSOR", null, null, out var address, out _));
        Assert.Equal(new SensorAddress(SensorKind.Air, "farm-7", "node-1"), address);
    }

    [Fact]
    public void A_device_named_by_the_payload_is_used_when_the_topic_names_none()
    {
        var profile = new SubscriptionProfile { Topic = TopicPattern.Parse("airrohr/{site}"), Kind = SensorKind.Air };
        Assert.True(profile.TryResolveAddress("airrohr/s9", "esp8266-123", null, out var address, out _));
        Assert.Equal(new SensorAddress(SensorKind.Air, "s9", "esp8266-123"), address);
    }

    [Fact]
    public void A_payload_naming_another_device_than_the_topic_is_refused()
    {
        Assert.False(Tasmota.TryResolveAddress("tele/node-1/SENSOR", "node-2", null, out _, out var rejection));
        Assert.Equal(RejectionCodes.IdentityMismatch, rejection.Code);
        Assert.Contains("node-2", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_payload_naming_another_site_than_the_topic_is_refused()
    {
        Assert.False(SubscriptionProfile.Native.TryResolveAddress("eco/s1/air/n1", "n1", "s2", out _, out var rejection));
        Assert.Equal(RejectionCodes.IdentityMismatch, rejection.Code);
    }

    [Theory]
    [InlineData("tele/node-1/STATE", "does not match")]
    [InlineData("tele/bad device/SENSOR", "must match")]
    public void Bad_topics_are_refused_with_the_reason(string topic, string reason)
    {
        Assert.False(Tasmota.TryResolveAddress(topic, null, null, out _, out var rejection));
        Assert.Equal(RejectionCodes.BadTopic, rejection.Code);
        Assert.Contains(reason, rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_kind_or_site_or_device_the_message_is_refused()
    {
        var noKind = new SubscriptionProfile { Topic = TopicPattern.Parse("x/{site}/{device}") };
        Assert.False(noKind.TryResolveAddress("x/s/d", null, null, out _, out var rejection));
        Assert.Contains("kind", rejection.Reason, StringComparison.Ordinal);

        var noSite = new SubscriptionProfile { Topic = TopicPattern.Parse("x/{device}"), Kind = SensorKind.Soil };
        Assert.False(noSite.TryResolveAddress("x/d", null, null, out _, out rejection));
        Assert.Contains("no site", rejection.Reason, StringComparison.Ordinal);

        var noDevice = new SubscriptionProfile { Topic = TopicPattern.Parse("x/{site}"), Kind = SensorKind.Soil };
        Assert.False(noDevice.TryResolveAddress("x/s", null, null, out _, out rejection));
        Assert.Contains("no device", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_field_map_renames_payload_fields_to_catalog_metrics()
    {
        var profile = new SubscriptionProfile { FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["pm2_5"] = "pm25" } };
        Assert.Equal("pm25", profile.MapField("PM2_5"));
        Assert.Equal("pm10", profile.MapField("pm10"));
    }
}
