using System.Globalization;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Storage;
using Xunit;

namespace EcoMonitor.Core.Tests.Storage;

public sealed class LineProtocolTests
{
    private const long T = Samples.DeviceTimeMs;

    private static Reading Air(string metric, double value, long ts = T, string site = "s1", string device = "n1") =>
        new(SensorKind.Air, site, device, metric, value, ts);

    [Fact]
    public void Readings_of_one_record_share_a_line()
    {
        var lines = LineProtocol.Format([Air("pm25", 35.2), Air("pm10", 61)]);

        Assert.Equal(["air,device=n1,site=s1 pm25=35.2,pm10=61 1764316800000"], lines);
    }

    [Fact]
    public void Single_reading_is_one_line()
    {
        var lines = LineProtocol.Format([new Reading(SensorKind.Soil, "farm", "p7", "moisture", 23.5, T, 12)]);

        Assert.Equal(["soil,device=p7,site=farm moisture=23.5 1764316800000"], lines);
    }

    [Fact]
    public void Measurement_is_the_kind_name()
    {
        var lines = LineProtocol.Format(
        [
            new Reading(SensorKind.Air, "s", "d", "co2", 400, T),
            new Reading(SensorKind.Water, "s", "d", "ph", 7.1, T),
            new Reading(SensorKind.Soil, "s", "d", "ph", 6.4, T),
        ]);

        Assert.Equal(
            [
                "air,device=d,site=s co2=400 1764316800000",
                "water,device=d,site=s ph=7.1 1764316800000",
                "soil,device=d,site=s ph=6.4 1764316800000",
            ],
            lines);
    }

    [Fact]
    public void Different_timestamps_make_separate_lines()
    {
        var lines = LineProtocol.Format([Air("pm25", 35.2, T), Air("pm10", 61, T), Air("pm25", 36, T + 60_000), Air("pm10", 62, T + 60_000)]);

        Assert.Equal(
            [
                "air,device=n1,site=s1 pm25=35.2,pm10=61 1764316800000",
                "air,device=n1,site=s1 pm25=36,pm10=62 1764316860000",
            ],
            lines);
    }

    [Fact]
    public void One_millisecond_apart_is_a_different_point()
    {
        var lines = LineProtocol.Format([Air("pm25", 1, T), Air("pm10", 2, T + 1)]);

        Assert.Equal(
            ["air,device=n1,site=s1 pm25=1 1764316800000", "air,device=n1,site=s1 pm10=2 1764316800001"],
            lines);
    }

    [Fact]
    public void Different_device_site_or_kind_at_the_same_time_makes_separate_lines()
    {
        var lines = LineProtocol.Format(
        [
            Air("pm25", 1),
            Air("pm25", 2, device: "n2"),
            Air("pm25", 3, site: "s2", device: "n2"),
            new Reading(SensorKind.Water, "s2", "n2", "temperature", 4, T),
        ]);

        Assert.Equal(
            [
                "air,device=n1,site=s1 pm25=1 1764316800000",
                "air,device=n2,site=s1 pm25=2 1764316800000",
                "air,device=n2,site=s2 pm25=3 1764316800000",
                "water,device=n2,site=s2 temperature=4 1764316800000",
            ],
            lines);
    }

    [Fact]
    public void Only_consecutive_readings_of_a_point_are_merged()
    {
        var lines = LineProtocol.Format([Air("pm25", 1), Air("pm25", 2, device: "n2"), Air("pm10", 3)]);

        Assert.Equal(
            [
                "air,device=n1,site=s1 pm25=1 1764316800000",
                "air,device=n2,site=s1 pm25=2 1764316800000",
                "air,device=n1,site=s1 pm10=3 1764316800000",
            ],
            lines);
    }

    [Fact]
    public void Seq_is_not_written()
    {
        var line = Assert.Single(LineProtocol.Format([new Reading(SensorKind.Air, "s1", "n1", "pm25", 1, T, 1842)]));

        Assert.DoesNotContain("1842", line, StringComparison.Ordinal);
    }

    [Fact]
    public void No_readings_no_lines()
    {
        Assert.Empty(LineProtocol.Format([]));
    }

    [Fact]
    public void Null_readings_is_an_argument_error()
    {
        Assert.Throws<ArgumentNullException>(() => LineProtocol.Format(null!).ToList());
    }

    [Theory]
    [InlineData("a b", "n1", "air,device=n1,site=a\\ b pm25=1 1764316800000")]
    [InlineData("s1", "x,y", "air,device=x\\,y,site=s1 pm25=1 1764316800000")]
    [InlineData("k=v", "n1", "air,device=n1,site=k\\=v pm25=1 1764316800000")]
    [InlineData("a, =b", "c =,d", "air,device=c\\ \\=\\,d,site=a\\,\\ \\=b pm25=1 1764316800000")]
    public void Comma_space_and_equals_are_escaped_in_tag_values(string site, string device, string expected)
    {
        var line = Assert.Single(LineProtocol.Format([Air("pm25", 1, site: site, device: device)]));

        Assert.Equal(expected, line);
    }

    [Fact]
    public void Comma_space_and_equals_are_escaped_in_field_keys()
    {
        var lines = LineProtocol.Format([Air("pm 2,5=x", 1), Air("ok", 2)]);

        Assert.Equal(["air,device=n1,site=s1 pm\\ 2\\,5\\=x=1,ok=2 1764316800000"], lines);
    }

    [Fact]
    public void Plain_identifiers_are_written_unchanged()
    {
        var line = Assert.Single(LineProtocol.Format([Air("pm25", 1, site: "Farm_B.2-x", device: "node-01.a")]));

        Assert.Equal("air,device=node-01.a,site=Farm_B.2-x pm25=1 1764316800000", line);
    }

    [Theory]
    [InlineData(35.2, "35.2")]
    [InlineData(61d, "61")]
    [InlineData(0d, "0")]
    [InlineData(-40d, "-40")]
    [InlineData(-12.75, "-12.75")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(1d / 3, "0.3333333333333333")]
    [InlineData(1013.25, "1013.25")]
    [InlineData(199999.99999999997, "199999.99999999997")]
    [InlineData(123456789012.5, "123456789012.5")]
    [InlineData(1e-7, "1E-07")]
    [InlineData(1e21, "1E+21")]
    [InlineData(double.Epsilon, "5E-324")]
    [InlineData(double.MaxValue, "1.7976931348623157E+308")]
    public void Field_values_are_written_in_invariant_round_trip_form(double value, string expected)
    {
        var line = Assert.Single(LineProtocol.Format([Air("pm25", value)]));

        Assert.Equal($"air,device=n1,site=s1 pm25={expected} 1764316800000", line);
        Assert.Equal(value, double.Parse(expected, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Field_values_round_trip_exactly()
    {
        var values = new[] { 35.2, 0.1, 2.0 / 3, Math.PI, 1e-300, 123.456e10, Math.BitIncrement(1000), -Math.BitDecrement(-0.0) };
        var readings = values.Select((v, i) => Air("m" + i.ToString(CultureInfo.InvariantCulture), v)).ToList();

        var line = Assert.Single(LineProtocol.Format(readings));

        var fields = line.Split(' ')[1].Split(',');
        Assert.Equal(values.Length, fields.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var (key, text) = (fields[i].Split('=')[0], fields[i].Split('=')[1]);
            Assert.Equal("m" + i.ToString(CultureInfo.InvariantCulture), key);
            Assert.Equal(values[i], double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Timestamps_are_integer_milliseconds()
    {
        var line = Assert.Single(LineProtocol.Format([Air("pm25", 1, ts: 946_684_800_001)]));

        Assert.EndsWith(" 946684800001", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_is_lazy_and_can_be_enumerated_twice_with_the_same_result()
    {
        var lines = LineProtocol.Format([Air("pm25", 1), Air("pm10", 2), Air("pm25", 3, ts: T + 1)]);

        Assert.Equal(lines.ToList(), lines.ToList());
        Assert.Equal(2, lines.Count());
    }
}
