using System.Globalization;

namespace EcoMonitor.FirmwareSim.Load;

/// <summary>
/// Publish latencies in microseconds, as a log-linear histogram (the HdrHistogram layout): exact
/// below 256 µs, then 128 buckets per power of two, so a percentile is within 1/128 (0.8 %) of the
/// true value whatever the count; the maximum is exact. Thread-safe; <see cref="Record"/> does not
/// allocate, so millions of samples cost a fixed 36 KB.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;

    /// <summary>Values up to 2^42 µs (about 50 days) have a bucket; larger ones land in the last.</summary>
    private const int MaxShift = 42 - SubBucketBits;

    private readonly long[] _counts = new long[((MaxShift + 1) * SubBuckets) + SubBuckets];
    private long _count;
    private long _sum;
    private long _max;

    public long Count => Interlocked.Read(ref _count);

    /// <summary>The largest value recorded, exactly.</summary>
    public TimeSpan Max => FromMicroseconds(Interlocked.Read(ref _max));

    public TimeSpan Mean => Count == 0 ? TimeSpan.Zero : FromMicroseconds(Interlocked.Read(ref _sum) / (double)Count);

    public void Record(TimeSpan latency)
    {
        var micros = Math.Max(0, (long)latency.TotalMicroseconds);
        Interlocked.Increment(ref _counts[Index(micros)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, micros);
        var max = Interlocked.Read(ref _max);
        while (micros > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, micros, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>
    /// The nearest-rank percentile (0 &lt; <paramref name="percentile"/> ≤ 100): the smallest recorded
    /// value such that at least that share of the samples are at or below it. Bucketed values are
    /// reported as the bucket's midpoint, never above the exact maximum. Zero when nothing was recorded.
    /// </summary>
    public TimeSpan Percentile(double percentile)
    {
        if (!(percentile > 0 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "A percentile is above 0 and at most 100.");
        }

        var count = Count;
        if (count == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * count));
        var seen = 0L;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                var (low, high) = Bounds(i);
                var value = low == high ? low : low + ((high - low) / 2.0);
                return FromMicroseconds(Math.Min(value, Interlocked.Read(ref _max)));
            }
        }

        return Max;
    }

    public LatencySummary Summarize() => new(
        Count,
        Milliseconds(Percentile(50)),
        Milliseconds(Percentile(95)),
        Milliseconds(Percentile(99)),
        Milliseconds(Max),
        Milliseconds(Mean));

    /// <summary>The bucket of a value: exact below 2 × 128, then 128 per power of two.</summary>
    internal static int Index(long micros)
    {
        if (micros < 2 * SubBuckets)
        {
            return (int)micros;
        }

        var shift = Math.Min(MaxShift, (63 - (int)long.LeadingZeroCount(micros)) - SubBucketBits);
        var top = Math.Min((micros >> shift) - SubBuckets, SubBuckets - 1);
        return (int)((shift * SubBuckets) + SubBuckets + top);
    }

    /// <summary>The smallest and largest value of a bucket (equal below 256 µs).</summary>
    internal static (long Low, long High) Bounds(int index)
    {
        if (index < 2 * SubBuckets)
        {
            return (index, index);
        }

        var shift = (index / SubBuckets) - 1;
        var top = (long)(index % SubBuckets) + SubBuckets;
        return (top << shift, ((top + 1) << shift) - 1);
    }

    private static TimeSpan FromMicroseconds(double micros) => TimeSpan.FromTicks((long)Math.Round(micros * (TimeSpan.TicksPerMillisecond / 1000.0)));

    private static double Milliseconds(TimeSpan value) => Math.Round(value.TotalMilliseconds, 3);
}

/// <summary>Publish latency percentiles in milliseconds (nearest rank; within 0.8 % above 0.256 ms).</summary>
public sealed record LatencySummary(long Samples, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double MeanMs)
{
    public string ToSummaryText() => string.Create(
        CultureInfo.InvariantCulture,
        $"p50_ms={P50Ms:0.###} p95_ms={P95Ms:0.###} p99_ms={P99Ms:0.###} max_ms={MaxMs:0.###}");
}
