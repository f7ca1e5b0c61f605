namespace EcoMonitor.Sensors;

/// <summary>
/// The hourly means of one metric of one device over the 24 UTC hours ending with the hour of its
/// newest reading (device time), each counting every distinct reading exactly once, whatever the
/// order and however often readings arrive (docs/sensors.md#hourly-means).
/// </summary>
/// <remarks>
/// A retried message, a buffer replayed twice, or a replay that arrives after live readings must
/// not count a reading twice, and a bucket cannot keep every timestamp it counted. So each hour
/// keeps the spans of device time it has already counted: a reading inside a span is one seen
/// before (ignored); one outside extends the span just below it (a stream going forwards) or
/// opens a span. Two streams of one hour (live data and a replayed buffer) each extend their own
/// span, because a buffer holds what was not sent live. At most <see cref="MaxSpans"/> spans per
/// hour: beyond, the two closest merge, and a reading that later falls in the gap they bridged is
/// taken as seen (a mean one reading short, never a reading counted twice). A reading at an
/// already counted instant with another value keeps the first value (the store keeps the last).
/// </remarks>
internal sealed class HourlySeries
{
    public const int Hours = 24;
    public const int MaxSpans = 8;
    public const long HourMs = 3_600_000;

    private readonly Bucket?[] _buckets = new Bucket?[Hours];

    /// <summary>The hour (Unix ms / <see cref="HourMs"/>) of the newest reading; <see cref="long.MinValue"/> before any.</summary>
    public long NewestHour { get; private set; } = long.MinValue;

    public static long HourOf(long timestampMs) => Math.DivRem(timestampMs, HourMs, out var remainder) - (remainder < 0 ? 1 : 0);

    /// <summary>Counts one reading; false when it was counted before or is older than the 24 hours kept.</summary>
    public bool Add(long timestampMs, double value)
    {
        var hour = HourOf(timestampMs);
        if (NewestHour != long.MinValue && hour <= NewestHour - Hours)
        {
            return false;
        }

        NewestHour = Math.Max(NewestHour, hour);
        var slot = SlotOf(hour);
        var bucket = _buckets[slot];
        if (bucket is null || bucket.Hour != hour)
        {
            bucket = _buckets[slot] = new Bucket(hour);
        }

        if (!bucket.Cover(timestampMs))
        {
            return false;
        }

        bucket.Sum += value;
        bucket.Count++;
        return true;
    }

    /// <summary>The means of the hours kept that have readings, oldest first.</summary>
    public IReadOnlyList<HourlyMean> Means()
    {
        var means = new List<HourlyMean>(Hours);
        foreach (var bucket in Current().OrderBy(b => b.Hour))
        {
            means.Add(new HourlyMean(DateTimeOffset.FromUnixTimeMilliseconds(bucket.Hour * HourMs), bucket.Sum / bucket.Count, bucket.Count));
        }

        return means;
    }

    public IReadOnlyList<SavedHour> Save() =>
        [.. Current().OrderBy(b => b.Hour).Select(b => new SavedHour(b.Hour, b.Sum, b.Count, [.. b.Spans.Select(s => new[] { s.From, s.To })]))];

    /// <summary>Back from <see cref="Save"/>; hours that do not make sense (no count, spans out of their hour) are dropped.</summary>
    public static HourlySeries Restore(IEnumerable<SavedHour> hours)
    {
        var series = new HourlySeries();
        foreach (var hour in hours.OrderBy(h => h.Hour))
        {
            var spans = (hour.Spans ?? []).Where(s => s is { Length: 2 } && s[0] <= s[1] && HourOf(s[0]) == hour.Hour && HourOf(s[1]) == hour.Hour)
                .Select(s => (From: s[0], To: s[1])).OrderBy(s => s.From).Take(MaxSpans).ToList();
            if (hour.Count <= 0 || spans.Count == 0 || !double.IsFinite(hour.Sum) || (series.NewestHour != long.MinValue && hour.Hour <= series.NewestHour - Hours))
            {
                continue;
            }

            series.NewestHour = Math.Max(series.NewestHour, hour.Hour);
            var bucket = new Bucket(hour.Hour) { Sum = hour.Sum, Count = hour.Count };
            bucket.Spans.AddRange(spans);
            series._buckets[series.SlotOf(hour.Hour)] = bucket;
        }

        return series;
    }

    private IEnumerable<Bucket> Current() =>
        _buckets.Where(b => b is not null && b.Count > 0 && b.Hour > NewestHour - Hours)!;

    private int SlotOf(long hour) => (int)(((hour % Hours) + Hours) % Hours);

    private sealed class Bucket(long hour)
    {
        public long Hour { get; } = hour;

        public double Sum { get; set; }

        public int Count { get; set; }

        /// <summary>Disjoint, sorted by start.</summary>
        public List<(long From, long To)> Spans { get; } = [];

        /// <summary>Marks <paramref name="timestampMs"/> counted; false when it was already.</summary>
        public bool Cover(long timestampMs)
        {
            // The span starting at or before the timestamp, if any.
            var below = -1;
            for (var i = 0; i < Spans.Count && Spans[i].From <= timestampMs; i++)
            {
                below = i;
            }

            if (below >= 0 && timestampMs <= Spans[below].To)
            {
                return false;
            }

            if (below >= 0)
            {
                Spans[below] = (Spans[below].From, timestampMs);
            }
            else
            {
                Spans.Insert(0, (timestampMs, timestampMs));
            }

            if (Spans.Count > MaxSpans)
            {
                MergeClosest();
            }

            return true;
        }

        private void MergeClosest()
        {
            var closest = 0;
            for (var i = 1; i < Spans.Count - 1; i++)
            {
                if (Spans[i + 1].From - Spans[i].To < Spans[closest + 1].From - Spans[closest].To)
                {
                    closest = i;
                }
            }

            Spans[closest] = (Spans[closest].From, Spans[closest + 1].To);
            Spans.RemoveAt(closest + 1);
        }
    }
}
