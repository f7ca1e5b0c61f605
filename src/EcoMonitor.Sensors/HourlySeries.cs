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
/// <para>
/// Memory: one is kept per metric of every device, 24 hours each, so an hour is a struct in an
/// array that grows with the hours in use, its first span inline and the others (a replay beside
/// live data) in a small array made only then; spans are offsets from the hour's start
/// (docs/performance.md#where-rss-goes).
/// </para>
/// </remarks>
internal sealed class HourlySeries
{
    public const int Hours = 24;
    public const int MaxSpans = 8;
    public const long HourMs = 3_600_000;

    private Hour[] _hours = [];
    private int _used;

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
        ref var slot = ref SlotFor(hour);
        if (!slot.Cover((int)(timestampMs - (hour * HourMs))))
        {
            return false;
        }

        slot.Sum += value;
        slot.Count++;
        return true;
    }

    /// <summary>The means of the hours kept that have readings, oldest first.</summary>
    public IReadOnlyList<HourlyMean> Means()
    {
        var means = new List<HourlyMean>(Hours);
        foreach (var i in Current())
        {
            ref readonly var slot = ref _hours[i];
            means.Add(new HourlyMean(DateTimeOffset.FromUnixTimeMilliseconds(slot.Number * HourMs), slot.Sum / slot.Count, slot.Count));
        }

        return means;
    }

    public IReadOnlyList<SavedHour> Save()
    {
        var saved = new List<SavedHour>(_used);
        foreach (var i in Current())
        {
            ref readonly var slot = ref _hours[i];
            var start = slot.Number * HourMs;
            var spans = new long[slot.SpanCount][];
            for (var s = 0; s < spans.Length; s++)
            {
                var (from, to) = slot.Span(s);
                spans[s] = [start + from, start + to];
            }

            saved.Add(new SavedHour(slot.Number, slot.Sum, slot.Count, spans));
        }

        return saved;
    }

    /// <summary>Back from <see cref="Save"/>; hours that do not make sense (no count, spans out of their hour) are dropped.</summary>
    public static HourlySeries Restore(IEnumerable<SavedHour> hours)
    {
        var series = new HourlySeries();
        foreach (var hour in hours.OrderBy(h => h.Hour))
        {
            var spans = (hour.Spans ?? []).Where(s => s is { Length: 2 } && s[0] <= s[1] && HourOf(s[0]) == hour.Hour && HourOf(s[1]) == hour.Hour)
                .Select(s => (From: s[0], To: s[1])).OrderBy(s => s.From).Take(MaxSpans).ToList();
            if (hour.Count <= 0 || spans.Count == 0 || !double.IsFinite(hour.Sum) || (series.NewestHour != long.MinValue && hour.Hour <= series.NewestHour - Hours)
                || series.Find(hour.Hour) >= 0)
            {
                continue;
            }

            series.NewestHour = Math.Max(series.NewestHour, hour.Hour);
            ref var slot = ref series.SlotFor(hour.Hour);
            slot.Sum = hour.Sum;
            slot.Count = hour.Count;
            var start = hour.Hour * HourMs;
            var kept = 0;
            foreach (var (from, to) in spans)
            {
                // Overlapping saved spans (a hand-edited file) merge: the spans stay disjoint.
                if (kept > 0 && from - start <= slot.Span(kept - 1).To)
                {
                    slot.SetSpan(kept - 1, slot.Span(kept - 1).From, Math.Max(slot.Span(kept - 1).To, (int)(to - start)));
                    continue;
                }

                slot.InsertSpan(kept++, (int)(from - start), (int)(to - start));
            }
        }

        return series;
    }

    /// <summary>The indexes of the hours kept that have readings, oldest first.</summary>
    private List<int> Current()
    {
        var current = new List<int>(_used);
        for (var i = 0; i < _used; i++)
        {
            if (_hours[i].Count > 0 && _hours[i].Number > NewestHour - Hours)
            {
                current.Add(i);
            }
        }

        current.Sort((a, b) => _hours[a].Number.CompareTo(_hours[b].Number));
        return current;
    }

    private int Find(long hour)
    {
        for (var i = 0; i < _used; i++)
        {
            if (_hours[i].Number == hour)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The slot of <paramref name="hour"/> (within the 24 kept): found, or an expired one reused, or a new one.</summary>
    private ref Hour SlotFor(long hour)
    {
        var expired = -1;
        for (var i = 0; i < _used; i++)
        {
            if (_hours[i].Number == hour)
            {
                return ref _hours[i];
            }

            if (expired < 0 && _hours[i].Number <= NewestHour - Hours)
            {
                expired = i;
            }
        }

        if (expired < 0)
        {
            if (_used == _hours.Length)
            {
                // 1, 2, 4, 8, 16, 24: a device that reports for an hour costs one slot.
                Array.Resize(ref _hours, Math.Min(Hours, Math.Max(1, _hours.Length * 2)));
            }

            expired = _used++;
        }

        _hours[expired] = new Hour(hour);
        return ref _hours[expired];
    }

    /// <summary>One clock hour; spans are milliseconds from its start (an hour's 3,600,000 fit an int).</summary>
    private struct Hour(long number)
    {
        public readonly long Number = number;
        public double Sum;
        public int Count;

        // The first span inline; the others, disjoint and sorted by start after it, in _more (pairs).
        private int _from0;
        private int _to0;
        private int[]? _more;

        public int SpanCount { get; private set; }

        public readonly (int From, int To) Span(int i) => i == 0 ? (_from0, _to0) : (_more![(2 * i) - 2], _more[(2 * i) - 1]);

        public void SetSpan(int i, int from, int to)
        {
            if (i == 0)
            {
                (_from0, _to0) = (from, to);
            }
            else
            {
                (_more![(2 * i) - 2], _more[(2 * i) - 1]) = (from, to);
            }
        }

        public void InsertSpan(int at, int from, int to)
        {
            // Room for MaxSpans + 1 spans: one over the limit until MergeClosest.
            _more ??= SpanCount > 0 ? new int[2 * MaxSpans] : null;
            for (var i = SpanCount; i > at; i--)
            {
                var (f, t) = Span(i - 1);
                SetSpan(i, f, t);
            }

            SpanCount++;
            SetSpan(at, from, to);
        }

        /// <summary>Marks <paramref name="offset"/> counted; false when it was already.</summary>
        public bool Cover(int offset)
        {
            // The span starting at or before the offset, if any.
            var below = -1;
            for (var i = 0; i < SpanCount && Span(i).From <= offset; i++)
            {
                below = i;
            }

            if (below >= 0 && offset <= Span(below).To)
            {
                return false;
            }

            if (below >= 0)
            {
                SetSpan(below, Span(below).From, offset);
            }
            else
            {
                InsertSpan(0, offset, offset);
            }

            if (SpanCount > MaxSpans)
            {
                MergeClosest();
            }

            return true;
        }

        private void MergeClosest()
        {
            var closest = 0;
            for (var i = 1; i < SpanCount - 1; i++)
            {
                if (Span(i + 1).From - Span(i).To < Span(closest + 1).From - Span(closest).To)
                {
                    closest = i;
                }
            }

            SetSpan(closest, Span(closest).From, Span(closest + 1).To);
            for (var i = closest + 1; i < SpanCount - 1; i++)
            {
                var (f, t) = Span(i + 1);
                SetSpan(i, f, t);
            }

            SpanCount--;
        }
    }
}
