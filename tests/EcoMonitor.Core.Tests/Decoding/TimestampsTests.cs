using System.Text.Json;
using EcoMonitor.Core.Decoding;
using Xunit;

namespace EcoMonitor.Core.Tests.Decoding;

public sealed class TimestampsTests
{
    private static (bool Ok, DateTimeOffset Timestamp, string Error) Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var ok = Timestamps.TryParse(document.RootElement, out var timestamp, out var error);
        return (ok, timestamp, error);
    }

    [Theory]
    [InlineData("2025-11-28T08:00:00Z", 1_764_316_800_000)]
    [InlineData("2025-11-28T16:00:00+08:00", 1_764_316_800_000)]
    [InlineData("2025-11-28T02:30:00-05:30", 1_764_316_800_000)]
    [InlineData("2025-11-28 08:00:00Z", 1_764_316_800_000)]
    [InlineData("2025-11-28t08:00:00z", 1_764_316_800_000)]
    [InlineData("2025-11-28T08:00:00.1Z", 1_764_316_800_100)]
    [InlineData("2025-11-28T08:00:00.12Z", 1_764_316_800_120)]
    [InlineData("2025-11-28T08:00:00.123Z", 1_764_316_800_123)]
    [InlineData("2025-11-28T08:00:00.1239Z", 1_764_316_800_123)]
    [InlineData("2025-11-28T08:00:00.999999999Z", 1_764_316_800_999)]
    [InlineData("2025-11-29T00:00:00.5+08:00", 1_764_345_600_500)]
    [InlineData("2000-01-01T00:00:00Z", 946_684_800_000)]
    [InlineData("1970-01-01T00:00:00Z", 0)]
    [InlineData("1969-12-31T23:59:59.9999Z", -1)]
    [InlineData("2024-02-29T12:00:00Z", 1_709_208_000_000)]
    public void Rfc3339_with_zone_is_parsed_and_truncated_to_milliseconds(string text, long expectedMs)
    {
        Assert.True(Timestamps.TryParseRfc3339(text, out var timestamp, out var error), error);

        Assert.Equal(expectedMs, timestamp.ToUnixTimeMilliseconds());
        Assert.Equal(TimeSpan.Zero, timestamp.Offset);
        Assert.Equal(0, timestamp.UtcTicks % TimeSpan.TicksPerMillisecond);
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("2025-11-28T08:00:00")]
    [InlineData("2025-11-28T08:00:00.123")]
    [InlineData("2025-11-28")]
    [InlineData("2025-11-28T08:00Z")]
    [InlineData("20251128T080000Z")]
    [InlineData("2025-11-28T08:00:00UTC")]
    [InlineData("2025-11-28T08:00:00 +08:00")]
    [InlineData("2025-11-28T08:00:00+8:00")]
    [InlineData("2025-11-28T08:00:00,123Z")]
    [InlineData("2025-11-28T08:00:00Z\n")]
    [InlineData("2025-11-28T08:00:00Z\r\n")]
    [InlineData("\n2025-11-28T08:00:00Z")]
    [InlineData("2025-11-31T08:00:00Z")]
    [InlineData("2025-00-10T08:00:00Z")]
    [InlineData("2025-11-28T25:00:00Z")]
    [InlineData("2025-11-28T08:00:61Z")]
    [InlineData("2025-11-28T08:00:00-15:00")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("\u0662\u0660\u0662\u0665-11-28T08:00:00Z")]
    [InlineData("")]
    public void Text_that_is_not_rfc3339_with_a_zone_is_refused_with_a_reason(string text)
    {
        Assert.False(Timestamps.TryParseRfc3339(text, out _, out var error));

        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void Long_text_is_shortened_in_the_error()
    {
        var text = new string('9', 500);

        Assert.False(Timestamps.TryParseRfc3339(text, out _, out var error));

        Assert.True(error.Length < 200, error);
    }

    [Theory]
    [InlineData("1764316800000", 1_764_316_800_000)]
    [InlineData("0", 0)]
    [InlineData("-1", -1)]
    [InlineData("253402300799999", 253_402_300_799_999)]
    [InlineData("-62135596800000", -62_135_596_800_000)]
    [InlineData("\"2025-11-28T08:00:00Z\"", 1_764_316_800_000)]
    [InlineData("\"2025-11-28T08:00:00\\u005A\"", 1_764_316_800_000)]
    [InlineData("\"2025-11-28T22:00:00+14:00\"", 1_764_316_800_000)]
    [InlineData("\"2025-11-27T18:00:00-14:00\"", 1_764_316_800_000)]
    public void Json_number_or_string_ts_is_parsed(string json, long expectedMs)
    {
        var (ok, timestamp, error) = Parse(json);

        Assert.True(ok, error);
        Assert.Equal(expectedMs, timestamp.ToUnixTimeMilliseconds());
    }

    [Theory]
    [InlineData("1764316800000.5", "integer")]
    [InlineData("1.7643168E12", "integer")]
    [InlineData("253402300800000", "range")]
    [InlineData("-62135596800001", "range")]
    [InlineData("9223372036854775808", "integer")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("null", "null")]
    [InlineData("{}", "object")]
    [InlineData("[]", "array")]
    [InlineData("\"1764316800000\"", "RFC 3339")]
    [InlineData("\"2025-11-28T08:00:00+14:01\"", "valid date")]
    [InlineData("\"2025-02-29T08:00:00Z\"", "valid date")]
    [InlineData("\"0001-01-01T00:00:00+01:00\"", "valid date")]
    [InlineData("\"9999-12-31T23:59:59-01:00\"", "valid date")]
    [InlineData("\"2025-11-28T08:00:00.1234567890Z\"", "RFC 3339")]
    [InlineData("\"2025-11-28T08:00:00.Z\"", "RFC 3339")]
    [InlineData("\"2025-11-28T08:00:00\\u0000Z\"", "RFC 3339")]
    public void Other_json_ts_is_refused_with_a_reason(string json, string reasonMentions)
    {
        var (ok, _, error) = Parse(json);

        Assert.False(ok);
        Assert.Contains(reasonMentions, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(9_999L, 0L)]
    [InlineData(10_000L, 1L)]
    [InlineData(19_999L, 1L)]
    public void TruncateToMilliseconds_drops_sub_millisecond_ticks_and_normalises_to_utc(long extraTicks, long expectedExtraMs)
    {
        var value = new DateTimeOffset(2025, 11, 28, 16, 0, 0, TimeSpan.FromHours(8)).AddTicks(extraTicks);

        var truncated = Timestamps.TruncateToMilliseconds(value);

        Assert.Equal(Samples.DeviceTimeMs + expectedExtraMs, truncated.ToUnixTimeMilliseconds());
        Assert.Equal(0, truncated.UtcTicks % TimeSpan.TicksPerMillisecond);
        Assert.Equal(TimeSpan.Zero, truncated.Offset);
    }
}
