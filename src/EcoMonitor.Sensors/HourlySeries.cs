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
/// Memory: one is kept per metric of every device, 24 hours each, so an hour is a 24-byte struct
/// in an array that grows with the hours in use: its number, count and sum, and its first span
/// packed in one word as offsets from the hour's start; the other spans (a replay beside live
/// data) go in a small array of that hour, made only then (docs/performance.md#where-rss-goes).
/// </para>
/// </remarks>
internal sealed class HourlySeries
{
    public const int Hours = 24;
    public const int MaxSpans = 8;
    public const long HourMs = 3_600_000;

    private Hour[] _hours = [];

    // Per slot, the spans after the first as pairs of offsets; null until an hour has a second span.
    private int[]?[]? _more;
    private int _used;

    /// <summary>The hour (Unix ms / <see cref="HourMs"/>) of the newest reading; <see cref="long.MinValue"/> before any.</summary>
    public long NewestHour { get; private set; } = long.MinValue;

    public static long HourOf(long timestampMs) => Math.DivRem(timestampMs, HourMs, out var remainder) - (remainder < 0 ? 1 : 0);

    /// <summary>Counts one reading; false when it was counted before or is older than the 24 hours kept.</summary>
    public bool Add(long timestampMs, double value)
    {
        var hour = HourOf(timestampMs);
        if ((NewestHour != long.MinValue && hour <= NewestHour - Hours) || hour is > int.MaxValue or < int.MinValue)
        {
            return false;
        }

        NewestHour = Math.Max(NewestHour, hour);
        var slot = SlotFor(hour);
        if (!Cover(slot, (int)(timestampMs - (hour * HourMs))))
        {
            return false;
        }

        _hours[slot].Sum += value;
        _hours[slot].Count++;
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
            var start = (long)slot.Number * HourMs;
            var spans = new long[slot.SpanCount][];
            for (var s = 0; s < spans.Length; s++)
            {
                var (from, to) = Span(i, s);
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
            if (hour.Count <= 0 || spans.Count == 0 || hour.Hour is > int.MaxValue or < int.MinValue || !double.IsFinite(hour.Sum) || (series.NewestHour != long.MinValue && hour.Hour <= series.NewestHour - Hours)
                || series.Find(hour.Hour) >= 0)
            {
                continue;
            }

            series.NewestHour = Math.Max(series.NewestHour, hour.Hour);
            var slot = series.SlotFor(hour.Hour);
            series._hours[slot].Sum = hour.Sum;
            series._hours[slot].Count = hour.Count;
            var start = hour.Hour * HourMs;
            var kept = 0;
            foreach (var (from, to) in spans)
            {
                // Overlapping saved spans (a hand-edited file) merge: the spans stay disjoint.
                if (kept > 0 && from - start <= series.Span(slot, kept - 1).To)
                {
                    var last = series.Span(slot, kept - 1);
                    series.SetSpan(slot, kept - 1, last.From, Math.Max(last.To, (int)(to - start)));
                    continue;
                }

                series.InsertSpan(slot, kept++, (int)(from - start), (int)(to - start));
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
    private int SlotFor(long hour)
    {
        var expired = -1;
        for (var i = 0; i < _used; i++)
        {
            if (_hours[i].Number == hour)
            {
                return i;
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
                var length = Math.Min(Hours, Math.Max(1, _hours.Length * 2));
                Array.Resize(ref _hours, length);
                if (_more is not null)
                {
                    Array.Resize(ref _more, length);
                }
            }

            expired = _used++;
        }

        _hours[expired] = new Hour((int)hour);
        if (_more is not null)
        {
            _more[expired] = null;
        }

        return expired;
    }

    private (int From, int To) Span(int slot, int i)
    {
        if (i == 0)
        {
            return _hours[slot].First;
        }

        var more = _more![slot]!;
        return (more[(2 * i) - 2], more[(2 * i) - 1]);
    }

    private void SetSpan(int slot, int i, int from, int to)
    {
        if (i == 0)
        {
            _hours[slot].First = (from, to);
            return;
        }

        var more = _more![slot]!;
        (more[(2 * i) - 2], more[(2 * i) - 1]) = (from, to);
    }

    private void InsertSpan(int slot, int at, int from, int to)
    {
        var count = _hours[slot].SpanCount;
        if (count > 0)
        {
            // Room for MaxSpans + 1 spans: one over the limit until MergeClosest.
            _more ??= new int[]?[_hours.Length];
            _more[slot] ??= new int[2 * MaxSpans];
        }

        for (var i = count; i > at; i--)
        {
            var (f, t) = Span(slot, i - 1);
            SetSpan(slot, i, f, t);
        }

        _hours[slot].SpanCount = count + 1;
        SetSpan(slot, at, from, to);
    }

    /// <summary>Marks <paramref name="offset"/> of the slot's hour counted; false when it was already.</summary>
    private bool Cover(int slot, int offset)
    {
        // The span starting at or before the offset, if any.
        var count = _hours[slot].SpanCount;
        var below = -1;
        for (var i = 0; i < count && Span(slot, i).From <= offset; i++)
        {
            below = i;
        }

        if (below >= 0 && offset <= Span(slot, below).To)
        {
            return false;
        }

        if (below >= 0)
        {
            SetSpan(slot, below, Span(slot, below).From, offset);
        }
        else
        {
            InsertSpan(slot, 0, offset, offset);
        }

        if (_hours[slot].SpanCount > MaxSpans)
        {
            MergeClosest(slot);
        }

        return true;
    }

    private void MergeClosest(int slot)
    {
        var count = _hours[slot].SpanCount;
        var closest = 0;
        for (var i = 1; i < count - 1; i++)
        {
            if (Span(slot, i + 1).From - Span(slot, i).To < Span(slot, closest + 1).From - Span(slot, closest).To)
            {
                closest = i;
            }
        }

        SetSpan(slot, closest, Span(slot, closest).From, Span(slot, closest + 1).To);
        for (var i = closest + 1; i < count - 1; i++)
        {
            var (f, t) = Span(slot, i + 1);
            SetSpan(slot, i, f, t);
        }

        _hours[slot].SpanCount = count - 1;
    }

    /// <summary>One clock hour in 24 bytes (a device time's hour fits an int, an hour's 3,600,000 ms fit 22 bits).</summary>
    private struct Hour(int number)
    {
        private const int OffsetBits = 22;
        private const long OffsetMask = (1L << OffsetBits) - 1;

        public readonly int Number = number;
        public int Count;
        public double Sum;

        // The first span's start and end, then the number of spans (at most MaxSpans + 1).
        private long _packed;

        public (int From, int To) First
        {
            readonly get => ((int)(_packed & OffsetMask), (int)((_packed >> OffsetBits) & OffsetMask));
            set => _packed = (_packed & ~((1L << (2 * OffsetBits)) - 1)) | (long)value.From | ((long)value.To << OffsetBits);
        }

        public int SpanCount
        {
            readonly get => (int)(_packed >> (2 * OffsetBits));
            set => _packed = (_packed & ((1L << (2 * OffsetBits)) - 1)) | ((long)value << (2 * OffsetBits));
        }
    }
}
