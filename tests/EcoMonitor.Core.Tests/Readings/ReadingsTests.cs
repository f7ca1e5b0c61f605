using EcoMonitor.Core.Readings;
using Xunit;

namespace EcoMonitor.Core.Tests.Readings;

public sealed class ReadingsTests
{
    [Theory]
    [InlineData(SensorKind.Air, "air")]
    [InlineData(SensorKind.Water, "water")]
    [InlineData(SensorKind.Soil, "soil")]
    public void Kind_names_round_trip(SensorKind kind, string name)
    {
        Assert.Equal(name, kind.ToName());
        Assert.True(SensorKinds.TryParse(name, out var parsed));
        Assert.Equal(kind, parsed);
    }

    [Theory]
    [InlineData("Air")]
    [InlineData("WATER")]
    [InlineData(" soil")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("noise")]
    public void Kind_parsing_is_exact_and_case_sensitive(string? name)
    {
        Assert.False(SensorKinds.TryParse(name, out _));
    }

    [Fact]
    public void All_kinds_are_listed_once()
    {
        Assert.Equal([SensorKind.Air, SensorKind.Water, SensorKind.Soil], SensorKinds.All);
        Assert.Equal(Enum.GetValues<SensorKind>().Order(), SensorKinds.All.Order());
    }

    [Fact]
    public void Unknown_kind_value_has_no_name()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ((SensorKind)42).ToName());
    }

    [Theory]
    [InlineData("a")]
    [InlineData("Z")]
    [InlineData("0")]
    [InlineData("s1")]
    [InlineData("a_b.c-d")]
    [InlineData("a-")]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    public void Valid_identifiers(string id)
    {
        Assert.True(SensorIdentifiers.IsValid(id));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("_a")]
    [InlineData(".a")]
    [InlineData("-a")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("a,b")]
    [InlineData("a=b")]
    [InlineData("a+")]
    [InlineData("a#")]
    [InlineData("\u00e9t\u00e9")]
    [InlineData("a\n")]
    [InlineData("a\r\n")]
    [InlineData("\na")]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    public void Invalid_identifiers(string? id)
    {
        Assert.False(SensorIdentifiers.IsValid(id));
    }

    [Fact]
    public void Address_prints_as_site_kind_device()
    {
        Assert.Equal("s1/water/n1", new SensorAddress(SensorKind.Water, "s1", "n1").ToString());
    }

    [Fact]
    public void Reading_timestamp_is_its_unix_milliseconds_in_utc()
    {
        var reading = new Reading(SensorKind.Air, "s1", "n1", "pm25", 35.2, Samples.DeviceTimeMs + 7);

        Assert.Equal(Samples.DeviceTime.AddMilliseconds(7), reading.Timestamp);
        Assert.Equal(TimeSpan.Zero, reading.Timestamp.Offset);
        Assert.Null(reading.Seq);
    }
}
