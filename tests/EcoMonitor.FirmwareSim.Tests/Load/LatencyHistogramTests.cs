using EcoMonitor.FirmwareSim.Load;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Load;

/// <summary>Latency percentiles of the load generator.</summary>
public sealed class LatencyHistogramTests
{
    [Fact]
    public void Small_values_give_exact_nearest_rank_percentiles()
    {
        var histogram = new LatencyHistogram();
        foreach (var micros in Enumerable.Range(1, 100).Reverse())
        {
            histogram.Record(TimeSpan.FromMicroseconds(micros));
        }

        Assert.Equal(100, histogram.Count);
        Assert.Equal(TimeSpan.FromMicroseconds(50), histogram.Percentile(50));
        Assert.Equal(TimeSpan.FromMicroseconds(95), histogram.Percentile(95));
        Assert.Equal(TimeSpan.FromMicroseconds(99), histogram.Percentile(99));
        Assert.Equal(TimeSpan.FromMicroseconds(100), histogram.Percentile(100));
        Assert.Equal(TimeSpan.FromMicroseconds(1), histogram.Percentile(0.1));
        Assert.Equal(TimeSpan.FromMicroseconds(100), histogram.Max);
        var summary = histogram.Summarize();
        Assert.Equal((100L, 0.05, 0.095, 0.099, 0.1), (summary.Samples, summary.P50Ms, summary.P95Ms, summary.P99Ms, summary.MaxMs));
        Assert.Equal(0.0505, summary.MeanMs, tolerance: 0.001);
    }

    [Fact]
    public void Large_values_are_within_one_percent_and_the_maximum_is_exact()
    {
        var histogram = new LatencyHistogram();
        // 1..10,000 ms in 0.1 ms steps, shuffled by a fixed stride.
        const int n = 100_000;
        for (var i = 0; i < n; i++)
        {
            var k = ((i * 7919L) % n) + 1;
            histogram.Record(TimeSpan.FromMicroseconds(k * 100));
        }

        Assert.Equal(n, histogram.Count);
        AssertNear(TimeSpan.FromMilliseconds(5000), histogram.Percentile(50));
        AssertNear(TimeSpan.FromMilliseconds(9500), histogram.Percentile(95));
        AssertNear(TimeSpan.FromMilliseconds(9900), histogram.Percentile(99));
        Assert.Equal(TimeSpan.FromMilliseconds(10_000), histogram.Max);
        Assert.True(histogram.Percentile(100) <= histogram.Max);
        AssertNear(TimeSpan.FromMilliseconds(5000.05), histogram.Mean);
    }

    [Fact]
    public void A_skewed_distribution_keeps_its_tail()
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 980; i++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(1));
        }

        for (var i = 0; i < 20; i++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(40 + i));
        }

        AssertNear(TimeSpan.FromMilliseconds(1), histogram.Percentile(50));
        AssertNear(TimeSpan.FromMilliseconds(1), histogram.Percentile(95));
        AssertNear(TimeSpan.FromMilliseconds(49), histogram.Percentile(99));
        Assert.Equal(TimeSpan.FromMilliseconds(59), histogram.Max);
    }

    [Fact]
    public void Every_value_falls_in_a_bucket_that_contains_it_and_is_at_most_one_128th_wide()
    {
        var previous = -1;
        for (var micros = 0L; micros < 5_000_000; micros += 1 + (micros / 300))
        {
            var index = LatencyHistogram.Index(micros);
            var (low, high) = LatencyHistogram.Bounds(index);
            Assert.InRange(micros, low, high);
            Assert.True(high - low <= Math.Max(0, low / 128), $"bucket {index} [{low}, {high}]");
            Assert.True(index >= previous);
            previous = index;
        }

        Assert.InRange(LatencyHistogram.Index(long.MaxValue), 0, 10_000);
    }

    [Fact]
    public void Nothing_recorded_is_all_zero_and_records_from_many_threads_all_count()
    {
        Assert.Equal(new LatencySummary(0, 0, 0, 0, 0, 0), new LatencyHistogram().Summarize());

        var histogram = new LatencyHistogram();
        Parallel.For(0, 100_000, i => histogram.Record(TimeSpan.FromMicroseconds(i % 1000)));
        Assert.Equal(100_000, histogram.Count);
        Assert.Equal(TimeSpan.FromMicroseconds(999), histogram.Max);
        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.Percentile(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.Percentile(101));
    }

    private static void AssertNear(TimeSpan expected, TimeSpan actual) =>
        Assert.True(Math.Abs((actual - expected).TotalMicroseconds) <= (expected.TotalMicroseconds / 128) + 1, $"expected {expected}, got {actual}");
}
