using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using Xunit;

namespace EcoMonitor.Core.Tests.Decoding;

/// <summary>Assertions and views on decode results shared by the decoder tests.</summary>
internal static class DecodeAssert
{
    /// <summary>The one reading of <paramref name="metric"/>.</summary>
    public static DecodedReading Single(DecodeResult result, string metric)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Assert.Single(result.Readings, r => r.Metric == metric);
    }

    /// <summary>The one rejection, with <paramref name="code"/> and a reason.</summary>
    public static Rejection SingleRejection(DecodeResult result, string code)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(code, rejection.Code);
        Assert.False(string.IsNullOrWhiteSpace(rejection.Reason));
        return rejection;
    }

    /// <summary>The one rejection, with <paramref name="code"/>, about <paramref name="record"/>, and a reason.</summary>
    public static Rejection SingleRejection(DecodeResult result, string code, int? record)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(code, rejection.Code);
        Assert.Equal(record, rejection.Record);
        Assert.False(string.IsNullOrWhiteSpace(rejection.Reason));
        return rejection;
    }

    /// <summary>Metric → value of the decoded readings.</summary>
    public static Dictionary<string, double> Values(DecodeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Readings.ToDictionary(r => r.Metric, r => r.Value, StringComparer.Ordinal);
    }

    /// <summary>Metric → value of the accepted readings.</summary>
    public static Dictionary<string, double> Values(IngestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Accepted.ToDictionary(r => r.Metric, r => r.Value, StringComparer.Ordinal);
    }
}
