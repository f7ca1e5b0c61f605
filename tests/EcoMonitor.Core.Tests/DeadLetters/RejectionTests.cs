using System.Reflection;
using EcoMonitor.Core.DeadLetters;
using Xunit;

namespace EcoMonitor.Core.Tests.DeadLetters;

public sealed class RejectionTests
{
    [Fact]
    public void Published_codes_keep_their_values()
    {
        Assert.Equal(
            [
                "payload-too-large", "malformed-json", "invalid-shape", "bad-topic", "unknown-format", "unknown-metric",
                "value-not-number", "value-not-finite", "out-of-range", "missing-timestamp", "invalid-timestamp",
                "timestamp-in-future", "timestamp-too-old", "duplicate-metric", "too-many-readings", "store-rejected",
                "identity-mismatch", "unknown-unit", "pm25-above-pm10", "invalid-status",
            ],
            RejectionCodes.All);
    }

    [Fact]
    public void All_lists_every_code_constant_once()
    {
        var constants = typeof(RejectionCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);

        Assert.Equal(constants.Count, RejectionCodes.All.Count);
        Assert.Equal(constants, RejectionCodes.All.ToHashSet(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(null, null, "bad-topic: why")]
    [InlineData(3, null, "bad-topic [record 3]: why")]
    [InlineData(null, "pm25", "bad-topic [pm25]: why")]
    [InlineData(0, "pm25", "bad-topic [record 0, pm25]: why")]
    public void ToString_names_the_place_of_the_refusal(int? record, string? metric, string expected)
    {
        Assert.Equal(expected, new Rejection(RejectionCodes.BadTopic, "why", record, metric).ToString());
    }
}
