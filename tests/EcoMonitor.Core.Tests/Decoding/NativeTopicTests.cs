using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Readings;
using Xunit;

namespace EcoMonitor.Core.Tests.Decoding;

/// <summary>The native topic contract <c>eco/{site}/{kind}/{device}</c>, as the native subscription profile resolves it.</summary>
public sealed class NativeTopicTests
{
    private static bool TryParse(string topic, out SensorAddress address, out string error)
    {
        var parsed = SubscriptionProfile.Native.TryResolveAddress(topic, null, null, out address, out var rejection);
        error = parsed ? string.Empty : rejection.Reason;
        return parsed;
    }

    [Theory]
    [InlineData("eco/s1/air/n1", SensorKind.Air, "s1", "n1")]
    [InlineData("eco/lake-3/water/buoy_2.a", SensorKind.Water, "lake-3", "buoy_2.a")]
    [InlineData("eco/Farm.B/soil/P9", SensorKind.Soil, "Farm.B", "P9")]
    [InlineData("eco/0/air/9", SensorKind.Air, "0", "9")]
    [InlineData("eco/a-/air/b_", SensorKind.Air, "a-", "b_")]
    public void Valid_topic_parses_to_its_address(string topic, SensorKind kind, string site, string device)
    {
        Assert.True(TryParse(topic, out var address, out var error), error);

        Assert.Equal(new SensorAddress(kind, site, device), address);
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("eco/s1/air", "eco/{site}/{kind}/{device}")]
    [InlineData("eco/s1/air/n1/status", "eco/{site}/{kind}/{device}")]
    [InlineData("foo/s1/air/n1", "eco/{site}/{kind}/{device}")]
    [InlineData("eco/s1/fire/n1", "kind 'fire'")]
    [InlineData("eco/-s1/air/n1", "site '-s1'")]
    [InlineData("eco/s1/air/n 1", "device 'n 1'")]
    public void Invalid_topic_says_which_part_is_wrong(string topic, string mention)
    {
        Assert.False(TryParse(topic, out _, out var error));

        Assert.Contains(mention, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Very_long_topic_is_shortened_in_the_error()
    {
        var topic = "eco/" + new string('s', 10_000) + "/air/n1";

        Assert.False(TryParse(topic, out _, out var error));

        Assert.True(error.Length < 300, error);
    }

    [Fact]
    public void Id_of_64_characters_is_valid_and_65_is_not()
    {
        var id64 = new string('x', 64);

        Assert.True(TryParse($"eco/{id64}/soil/{id64}", out var address, out _));
        Assert.Equal(id64, address.Site);
        Assert.False(TryParse($"eco/{id64}x/soil/n1", out _, out _));
        Assert.False(TryParse($"eco/s1/soil/{id64}x", out _, out _));
    }

    [Theory]
    [InlineData(SensorKind.Air, "s1", "n1", "eco/s1/air/n1")]
    [InlineData(SensorKind.Water, "lake-3", "buoy_2.a", "eco/lake-3/water/buoy_2.a")]
    [InlineData(SensorKind.Soil, "F", "P", "eco/F/soil/P")]
    public void The_contract_topic_parses_back_to_its_address(SensorKind kind, string site, string device, string expected)
    {
        var address = new SensorAddress(kind, site, device);

        var topic = $"eco/{site}/{kind.ToName()}/{device}";

        Assert.Equal(expected, topic);
        Assert.True(TryParse(topic, out var parsed, out _));
        Assert.Equal(address, parsed);
    }

    [Fact]
    public void Default_filter_matches_the_native_topic_levels()
    {
        Assert.Equal("eco/+/+/+", SubscriptionProfile.NativePattern.Filter);
    }
}
