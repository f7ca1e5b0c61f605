using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// A threshold rule on a rolling-window aggregate (PM2.5 24 h mean of hourly values, O3 8 h moving
/// mean) for one series. Keeps the window, and on each reading feeds its aggregate, stamped with
/// the reading's timestamp, to a <see cref="ThresholdStateMachine"/>: levels, hysteresis and
/// <c>for</c> behave exactly as for a raw threshold, and a transition's value is the aggregate.
/// </summary>
/// <remarks>
/// <para>Event time throughout: the window ends at the newest reading's timestamp, so a replayed
/// backlog gives the aggregates, and the transitions, it would have given live. The aggregate is
/// recomputed from the window on every reading (no running sums that drift), in a fixed order, so
/// live and replay agree to the bit.</para>
/// <para>With a <c>bucket</c>: readings are averaged per bucket, buckets aligned to the bucket size
/// in Unix event time (hours start on the hour, UTC; a <c>1d</c> bucket is a UTC day). The window
/// is the bucket of the newest reading and the <c>over/bucket − 1</c> before it; the function and
/// <c>min_count</c> apply to the bucket means, and a bucket counts as soon as it has one reading.
/// So the current, still filling hour is one of the hourly values: the alert reacts within the
/// hour instead of after it closes, and the standards' 45 minutes of sampling for an hourly value
/// is not checked. Memory: one slot per bucket of the window, allocated once.</para>
/// <para>Without a bucket: the readings of <c>(newest − over, newest]</c>, at most
/// <see cref="AlertEvaluatorOptions.MaxWindowValues"/>; beyond that the oldest is dropped (and
/// counted in <see cref="DroppedValues"/>), so a series faster than the cap allows is aggregated
/// over its newest readings only. Long windows should use a bucket.</para>
/// <para>Data validity: with fewer than <c>min_count</c> values (1 when not given) the aggregate is
/// invalid and nothing is fed: the rule neither fires nor clears. A firing alert holds until a
/// valid aggregate clears it (a gap in the data is not evidence that the episode ended; a device
/// gone silent is the deadman's business), and a pending one stays pending, its <c>for</c>
/// counting across the gap as it does across a gap between raw readings.</para>
/// <para>A reading older than the last is ignored; one with the same timestamp replaces the last
/// (the store replaces the point), so a redelivery changes nothing.</para>
/// </remarks>
public sealed class WindowedThresholdStateMachine : ISeriesStateMachine
{
    private const int InitialRawCapacity = 8;

    private readonly WindowAggregate _window;
    private readonly ThresholdStateMachine _threshold;
    private readonly long _overMs;
    private readonly long _bucketMs;
    private readonly int _minCount;
    private readonly int _maxValues;

    // Bucketed: slot = bucket number modulo the number of buckets in the window.
    private readonly long[]? _bucketOf;
    private readonly double[]? _sums;
    private readonly int[]? _counts;

    // Raw: a ring of the readings in the window, grown by doubling up to _maxValues.
    private long[] _times = [];
    private double[] _values = [];
    private int _head;
    private int _length;

    private double _lastValue;

    public WindowedThresholdStateMachine(AlertRule rule, SensorKind kind, string site, string device, string metric, int maxValues)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var condition = rule.Condition as ThresholdCondition
            ?? throw new ArgumentException($"rule '{rule.Name}' is not a threshold rule", nameof(rule));
        _window = condition.Window
            ?? throw new ArgumentException($"rule '{rule.Name}' has no window", nameof(rule));
        if (!Fits(_window, maxValues))
        {
            throw new ArgumentException($"rule '{rule.Name}' needs more than {maxValues} values per window", nameof(rule));
        }

        _threshold = new ThresholdStateMachine(rule, condition.Levels, kind, site, device, metric);
        _overMs = (long)_window.Over.TotalMilliseconds;
        _minCount = _window.MinCount ?? 1;
        _maxValues = maxValues;
        if (_window.Bucket is { } bucket)
        {
            _bucketMs = (long)bucket.TotalMilliseconds;
            var slots = (int)(_overMs / _bucketMs);
            _bucketOf = new long[slots];
            Array.Fill(_bucketOf, long.MinValue);
            _sums = new double[slots];
            _counts = new int[slots];
        }
    }

    public AlertRule Rule => _threshold.Rule;

    public SensorKind Kind => _threshold.Kind;

    public string Site => _threshold.Site;

    public string Device => _threshold.Device;

    public string Metric => _threshold.Metric;

    public AlertState State => _threshold.State;

    public DateTimeOffset LastReceivedAt { get; set; }

    /// <summary>Timestamp (Unix ms) of the last reading evaluated; <see cref="long.MinValue"/> before any.</summary>
    public long LastTimestampMs { get; private set; } = long.MinValue;

    /// <summary>Values (bucket means or readings) in the window at the last reading.</summary>
    public int ValueCount { get; private set; }

    /// <summary>Readings of a raw window dropped while still inside it, because the cap was reached.</summary>
    public long DroppedValues { get; private set; }

    public TimeSpan History => _window.Over;

    /// <summary>
    /// Whether a window can be kept within <paramref name="maxValues"/> values per series: its
    /// buckets, or for a raw window its <c>min_count</c> (else it could never be valid).
    /// </summary>
    public static bool Fits(WindowAggregate window, int maxValues)
    {
        ArgumentNullException.ThrowIfNull(window);
        return window.Bucket is { } bucket
            ? window.Over.Ticks / bucket.Ticks <= maxValues
            : (window.MinCount ?? 1) <= maxValues;
    }

    bool ISeriesStateMachine.Observe(Reading reading, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions) =>
        Observe(reading.Value, reading.TimestampMs, lateBefore, ref transitions);

    public bool Observe(double value, long timestampMs, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions)
    {
        if (timestampMs < LastTimestampMs)
        {
            return false;
        }

        var replaces = timestampMs == LastTimestampMs;
        LastTimestampMs = timestampMs;
        var previous = _lastValue;
        _lastValue = value;
        double aggregate;
        int count;
        if (_bucketOf is not null)
        {
            var bucket = Math.DivRem(timestampMs, _bucketMs, out var remainder) - (remainder < 0 ? 1 : 0);
            AddToBucket(bucket, value, replaces ? previous : null);
            (aggregate, count) = AggregateBuckets(bucket);
        }
        else
        {
            AddRaw(value, timestampMs, replaces);
            (aggregate, count) = AggregateRaw();
        }

        ValueCount = count;
        if (count >= _minCount)
        {
            _threshold.Observe(aggregate, timestampMs, lateBefore, ref transitions);
        }

        return true;
    }

    void ISeriesStateMachine.Align(AlertSeverity? firing) => _threshold.Align(firing);

    void ISeriesStateMachine.Save(SeriesStateWriter writer)
    {
        writer.Write(LastTimestampMs);
        writer.Write(ValueCount);
        writer.Write(DroppedValues);
        writer.Write(_lastValue);
        if (_bucketOf is not null)
        {
            writer.Write(_bucketOf);
            writer.Write(_sums);
            writer.Write([.. _counts!.Select(c => (long)c)]);
        }
        else
        {
            // Oldest first, so the restored ring starts at slot 0.
            var times = new long[_length];
            var values = new double[_length];
            for (var i = 0; i < _length; i++)
            {
                times[i] = _times[(_head + i) % _times.Length];
                values[i] = _values[(_head + i) % _values.Length];
            }

            writer.Write(times);
            writer.Write(values);
        }

        _threshold.Save(writer);
    }

    void ISeriesStateMachine.Restore(SeriesStateReader reader)
    {
        LastTimestampMs = reader.ReadLong();
        ValueCount = reader.ReadInt();
        DroppedValues = reader.ReadLong();
        _lastValue = reader.ReadDouble();
        if (_bucketOf is not null)
        {
            reader.ReadLongs(_bucketOf.Length).CopyTo(_bucketOf, 0);
            reader.ReadDoubles(_sums!.Length).CopyTo(_sums, 0);
            var counts = reader.ReadLongs(_counts!.Length);
            for (var i = 0; i < counts.Length; i++)
            {
                _counts[i] = checked((int)counts[i]);
            }
        }
        else
        {
            var times = reader.ReadLongs();
            var values = reader.ReadDoubles(times.Length);
            if (times.Length > _maxValues)
            {
                throw new InvalidDataException("alert state holds more window values than allowed");
            }

            _times = times;
            _values = values;
            _head = 0;
            _length = times.Length;
        }

        _threshold.Restore(reader);
    }

    private void AddToBucket(long bucket, double value, double? replaced)
    {
        var slot = (int)(((bucket % _bucketOf!.Length) + _bucketOf.Length) % _bucketOf.Length);
        if (_bucketOf[slot] != bucket)
        {
            // A bucket that left the window (or was never used): its slot starts over.
            _bucketOf[slot] = bucket;
            _sums![slot] = 0;
            _counts![slot] = 0;
        }

        if (replaced is { } old && _counts![slot] > 0)
        {
            _sums![slot] += value - old;
            return;
        }

        _sums![slot] += value;
        _counts![slot]++;
    }

    private (double Aggregate, int Count) AggregateBuckets(long newest)
    {
        var oldest = newest - _bucketOf!.Length;
        var count = 0;
        var accumulator = Seed();
        for (var i = 0; i < _bucketOf.Length; i++)
        {
            if (_counts![i] > 0 && _bucketOf[i] > oldest && _bucketOf[i] <= newest)
            {
                accumulator = Accumulate(accumulator, _sums![i] / _counts[i]);
                count++;
            }
        }

        return (Finish(accumulator, count), count);
    }

    private void AddRaw(double value, long timestampMs, bool replaces)
    {
        if (replaces && _length > 0)
        {
            _values[(_head + _length - 1) % _values.Length] = value;
        }
        else
        {
            if (_length == _values.Length)
            {
                if (_length < _maxValues)
                {
                    Grow(Math.Min(_maxValues, Math.Max(InitialRawCapacity, _length * 2)));
                }
                else
                {
                    _head = (_head + 1) % _values.Length;
                    _length--;
                    DroppedValues++;
                }
            }

            var tail = (_head + _length) % _values.Length;
            _times[tail] = timestampMs;
            _values[tail] = value;
            _length++;
        }

        var after = timestampMs - _overMs;
        while (_length > 0 && _times[_head] <= after)
        {
            _head = (_head + 1) % _values.Length;
            _length--;
        }
    }

    private void Grow(int capacity)
    {
        var times = new long[capacity];
        var values = new double[capacity];
        for (var i = 0; i < _length; i++)
        {
            times[i] = _times[(_head + i) % _times.Length];
            values[i] = _values[(_head + i) % _values.Length];
        }

        _times = times;
        _values = values;
        _head = 0;
    }

    private (double Aggregate, int Count) AggregateRaw()
    {
        var accumulator = Seed();
        for (var i = 0; i < _length; i++)
        {
            accumulator = Accumulate(accumulator, _values[(_head + i) % _values.Length]);
        }

        return (Finish(accumulator, _length), _length);
    }

    private double Seed() => _window.Function switch
    {
        AggregateFunction.Max => double.NegativeInfinity,
        AggregateFunction.Min => double.PositiveInfinity,
        _ => 0,
    };

    private double Accumulate(double accumulator, double value) => _window.Function switch
    {
        AggregateFunction.Max => Math.Max(accumulator, value),
        AggregateFunction.Min => Math.Min(accumulator, value),
        _ => accumulator + value,
    };

    private double Finish(double accumulator, int count) =>
        _window.Function == AggregateFunction.Mean && count > 0 ? accumulator / count : accumulator;
}
