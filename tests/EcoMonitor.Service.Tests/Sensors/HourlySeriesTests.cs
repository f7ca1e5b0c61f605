using EcoMonitor.Sensors;

namespace EcoMonitor.Service.Tests.Sensors;

/// <summary>One metric's hourly means on its own (docs/sensors.md#hourly-means).</summary>
public sealed class HourlySeriesTests
{
    private static readonly long Start = new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Fact]
    public void It_answers_as_the_spans_model_through_random_replays_retries_and_a_save_and_restore()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var series = new HourlySeries();
            var model = new SpansModel();
            var stamps = Readings(random);
            for (var i = 0; i < stamps.Count; i++)
            {
                var (at, value) = stamps[i];
                Assert.Equal(model.Add(at, value), series.Add(at, value));
                if (random.Next(200) == 0)
                {
                    series = HourlySeries.Restore(series.Save());
                }
            }

            Assert.Equal(model.Means(), series.Means());
        }
    }

    [Fact]
    public void More_than_eight_spans_in_an_hour_merge_the_closest_and_never_count_a_reading_twice()
    {
        var series = new HourlySeries();

        // Ten readings a minute apart, newest first: each opens its own span until the ninth.
        for (var m = 9; m >= 0; m--)
        {
            Assert.True(series.Add(Start + (m * 60_000L), m));
        }

        // Every one of them again: all seen.
        for (var m = 0; m < 10; m++)
        {
            Assert.False(series.Add(Start + (m * 60_000L), 100));
        }

        var mean = Assert.Single(series.Means());
        Assert.Equal(10, mean.Count);
        Assert.Equal(4.5, mean.Mean, 9);
        Assert.Equal(HourlySeries.MaxSpans, Assert.Single(series.Save()).Spans!.Count);
    }

    [Fact]
    public void A_day_of_readings_a_minute_apart_allocates_a_fraction_of_a_bucket_object_per_hour()
    {
        var series = new HourlySeries();
        series.Add(Start - HourlySeries.HourMs, 0); // the type and its first slot, outside the count

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var minute = 0; minute < HourlySeries.Hours * 60; minute++)
        {
            series.Add(Start + (minute * 60_000L), minute);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 24 bytes an hour in an array grown 2, 4, 8, 16, 24 (about 1.4 KB in all, the growth
        // included); a class an hour with a list of spans took 170 bytes an hour, 4 KB kept.
        Assert.InRange(allocated, 1, 1_500);
        Assert.Equal(HourlySeries.Hours, series.Means().Count);
    }

    [Fact]
    public void A_saved_file_with_overlapping_or_foreign_spans_is_restored_to_disjoint_spans_of_its_hour()
    {
        var hour = HourlySeries.HourOf(Start);
        var restored = HourlySeries.Restore(
        [
            new SavedHour(hour, 30, 3, [[Start, Start + 120_000], [Start + 60_000, Start + 180_000], [Start - 1, Start]]),
            new SavedHour(hour + 1, 5, 0, [[Start + HourlySeries.HourMs, Start + HourlySeries.HourMs]]),
        ]);

        var saved = Assert.Single(restored.Save());
        Assert.Equal([Start, Start + 180_000], Assert.Single(saved.Spans!));
        Assert.False(restored.Add(Start + 150_000, 1));
        Assert.True(restored.Add(Start + 240_000, 1));
    }

    [Fact]
    public void The_first_and_last_hours_a_timestamp_can_name_are_counted_and_hours_past_them_refused()
    {
        // An hour's number is kept in 32 bits: every DateTimeOffset fits, a wild Unix time does not.
        var first = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
        var last = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();
        var early = new HourlySeries();
        Assert.True(early.Add(first, 1));
        Assert.Equal(DateTimeOffset.MinValue, Assert.Single(early.Means()).Hour);

        var late = new HourlySeries();
        Assert.True(late.Add(last, 2));
        Assert.True(late.Add(last - 1, 3));
        Assert.Equal(2.5, Assert.Single(late.Means()).Mean);

        var wild = new HourlySeries();
        Assert.False(wild.Add(long.MaxValue, 1));
        Assert.False(wild.Add(long.MinValue, 1));
        Assert.Empty(wild.Means());
    }

    /// <summary>
    /// Readings over 30 hours as nodes send them: live streams going forwards, buffers of the same
    /// hours replayed later (forwards or backwards), retried messages, now and then an old hour.
    /// </summary>
    private static List<(long At, double Value)> Readings(Random random)
    {
        var readings = new List<(long, double)>();
        var value = new Dictionary<long, double>();
        double ValueAt(long at) => value.TryGetValue(at, out var v) ? v : value[at] = Math.Round(random.NextDouble() * 500, 1);

        for (var hour = 0; hour < 30; hour++)
        {
            var start = Start + (hour * HourlySeries.HourMs);
            var live = Enumerable.Range(random.Next(30, 60), random.Next(0, 10)).Select(m => start + (m * 60_000L) + random.Next(0, 1000)).ToList();
            var buffer = Enumerable.Range(random.Next(0, 20), random.Next(0, 15)).Select(m => start + (m * 60_000L)).ToList();
            readings.AddRange(live.Select(at => (at, ValueAt(at))));
            var replay = random.Next(2) == 0 ? buffer : [.. Enumerable.Reverse(buffer)];
            readings.AddRange(replay.Select(at => (at, ValueAt(at))));
            if (random.Next(3) == 0)
            {
                readings.AddRange(replay.Concat(live).Select(at => (at, ValueAt(at))));
            }

            if (hour > 2 && random.Next(4) == 0)
            {
                var old = Start + ((hour - random.Next(1, 3)) * HourlySeries.HourMs) + (random.Next(0, 60) * 60_000L);
                readings.Add((old, ValueAt(old)));
            }
        }

        return readings;
    }

    /// <summary>The rule of docs/sensors.md#hourly-means written plainly: a list of spans per hour.</summary>
    private sealed class SpansModel
    {
        private readonly SortedDictionary<long, (double Sum, int Count, List<(long From, long To)> Spans)> _hours = [];
        private long _newest = long.MinValue;

        public bool Add(long at, double value)
        {
            var hour = HourlySeries.HourOf(at);
            if (_newest != long.MinValue && hour <= _newest - HourlySeries.Hours)
            {
                return false;
            }

            _newest = Math.Max(_newest, hour);
            foreach (var expired in _hours.Keys.Where(h => h <= _newest - HourlySeries.Hours).ToList())
            {
                _hours.Remove(expired);
            }

            var entry = _hours.TryGetValue(hour, out var e) ? e : (0, 0, []);
            var spans = entry.Spans;
            var below = spans.FindLastIndex(s => s.From <= at);
            if (below >= 0 && at <= spans[below].To)
            {
                return false;
            }

            if (below >= 0)
            {
                spans[below] = (spans[below].From, at);
            }
            else
            {
                spans.Insert(0, (at, at));
            }

            if (spans.Count > HourlySeries.MaxSpans)
            {
                var gaps = Enumerable.Range(0, spans.Count - 1).Select(i => spans[i + 1].From - spans[i].To).ToList();
                var closest = gaps.IndexOf(gaps.Min());
                spans[closest] = (spans[closest].From, spans[closest + 1].To);
                spans.RemoveAt(closest + 1);
            }

            _hours[hour] = (entry.Sum + value, entry.Count + 1, spans);
            return true;
        }

        public List<HourlyMean> Means() =>
            [.. _hours.Select(h => new HourlyMean(DateTimeOffset.FromUnixTimeMilliseconds(h.Key * HourlySeries.HourMs), h.Value.Sum / h.Value.Count, h.Value.Count))];
    }
}
