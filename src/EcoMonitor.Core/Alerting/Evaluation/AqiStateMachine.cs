using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// An AQI-level rule (<see cref="AqiCondition"/>) for one air device: hourly means per pollutant
/// on event time, the index computed by <see cref="AqiCalculator"/> on every reading, and fed,
/// stamped with the device's newest reading time, to a <see cref="ThresholdStateMachine"/> with one
/// <c>above</c> level at the top AQI of level <c>above_level</c> (50, 100, 150, 200, 300): the AQI
/// level is above N exactly when the AQI is above that bound. A transition's metric is
/// <c>aqi</c>, its value the AQI and its threshold that bound; <c>for</c> applies as usual.
/// </summary>
/// <remarks>
/// <para>Buckets: readings are averaged per UTC hour of event time, per pollutant (catalog names
/// pm25, pm10, so2, no2, co, o3, in catalog units; EPA's ppm/ppb come from
/// <see cref="UnitConversion"/> at 25 °C). The current hour is that of the device's newest reading;
/// as in <see cref="WindowedThresholdStateMachine"/>, it counts as soon as it has a reading.</para>
/// <para>Inputs, <see cref="AqiBasis.Hourly"/> (the standards' real-time report): 1 h values are the
/// current hour's mean, or the previous hour's while the current has none (pollutants reported at
/// different moments); HJ 633-2026 indexes all six 1 h means (PM with the daily breakpoints, §4.2.4);
/// HJ 633-2012 and EPA take the 24 h moving mean for PM and 8 h moving means for O3 (and EPA CO),
/// and HJ 633-2012 adds the 24 h SO2 mean only when 1 h SO2 is above 800 µg/m³ (its Table 1 note).
/// EPA's NowCast is not implemented: the 24 h moving mean stands in for it.
/// <see cref="AqiBasis.Daily"/> (the daily report, over the 24 hours ending with the current one):
/// 24 h means, the maximum 8 h moving mean where a standard has an 8 h input, the maximum 1 h mean
/// for 1 h inputs (HJ 633-2012 O3, EPA SO2/NO2/O3).</para>
/// <para>Validity (GB 3095 Table 4, used for every standard): an 8 h mean needs 6 hourly values,
/// a 24 h mean 20; on the daily basis a pollutant with fewer than 20 hourly values gives no input.
/// A pollutant the device reported in the last 24 hours whose input is invalid makes the AQI a lower
/// bound (HJ 633-2026 §5.3.1 publishes such an AQI only above 100): it may fire but not clear. With no
/// valid input at all nothing is fed, so the rule neither fires nor clears.</para>
/// <para>Out of order: a reading older than the last of its pollutant is ignored; one with the same
/// timestamp replaces it. Pollutants have their own order, because one device's sensors may
/// publish separately; a late pollutant reading still lands in its hour if that is in the buckets.</para>
/// <para>Memory: <c>6 × hours</c> buckets, allocated once (24 hours hourly, 31 daily: 24 maximum
/// 8 h means reach 7 hours further back).</para>
/// </remarks>
public sealed class AqiStateMachine : ISeriesStateMachine
{
    /// <summary>The transitions' metric.</summary>
    public const string MetricName = "aqi";

    private const long HourMs = 3_600_000;
    private const int MinHourlyFor24h = 20;
    private const int MinHourlyFor8h = 6;
    private const int SeenHours = 24;
    private const int Pm25 = 0;
    private const int Pm10 = 1;
    private const int So2 = 2;
    private const int No2 = 3;
    private const int Co = 4;
    private const int O3 = 5;

    private readonly AqiCondition _condition;
    private readonly IAqiCalculator _calculator;
    private readonly Input[] _inputs;
    private readonly ThresholdStateMachine _threshold;
    private readonly int _hours;

    // Per pollutant p, slot p × _hours + (hour mod _hours): the whole state is these arrays.
    private readonly long[] _hourOf;
    private readonly double[] _sums;
    private readonly int[] _counts;
    private readonly long[] _lastMs;
    private readonly double[] _lastValues;
    private long _newestMs = long.MinValue;

    public AqiStateMachine(AlertRule rule, string site, string device)
    {
        ArgumentNullException.ThrowIfNull(rule);
        _condition = rule.Condition as AqiCondition
            ?? throw new ArgumentException($"rule '{rule.Name}' is not an AQI rule", nameof(rule));
        _calculator = AqiCalculator.For(_condition.Standard);
        _inputs = InputsOf(_condition.Standard, _condition.Basis);
        Bound = BoundOf(_condition);
        _threshold = new ThresholdStateMachine(
            rule, [new ThresholdLevel(rule.Severity, ThresholdDirection.Above, Bound)], SensorKind.Air, site, device, MetricName);
        _hours = HoursOf(_condition.Basis);
        _hourOf = new long[Pollutants.Count * _hours];
        Array.Fill(_hourOf, long.MinValue);
        _sums = new double[_hourOf.Length];
        _counts = new int[_hourOf.Length];
        _lastMs = new long[Pollutants.Count];
        Array.Fill(_lastMs, long.MinValue);
        _lastValues = new double[Pollutants.Count];
    }

    /// <summary>The catalog metrics an AQI takes (docs/catalog.md#metrics), in slot order.</summary>
    public static IReadOnlyList<string> Pollutants { get; } = ["pm25", "pm10", "so2", "no2", "co", "o3"];

    public AlertRule Rule => _threshold.Rule;

    public string Site => _threshold.Site;

    public string Device => _threshold.Device;

    /// <summary>The AQI the rule fires above: the top of level <see cref="AqiCondition.AboveLevel"/>.</summary>
    public double Bound { get; }

    public AlertState State => _threshold.State;

    public DateTimeOffset LastReceivedAt { get; set; }

    /// <summary>Timestamp (Unix ms) of the newest reading of any pollutant; <see cref="long.MinValue"/> before any.</summary>
    public long LastTimestampMs => _newestMs;

    /// <summary>The last AQI computed (lower bound or not), or null when there was none.</summary>
    public int? LastAqi { get; private set; }

    /// <summary>The whole last computation (sub-indices, band, primary pollutants), or null when nothing was computable.</summary>
    public AqiResult? LastResult { get; private set; }

    /// <summary>The last AQI is a lower bound: a pollutant the device reported in the last 24 hours had no valid input.</summary>
    public bool LastIsLowerBound { get; private set; }

    public TimeSpan History => TimeSpan.FromHours(_hours);

    /// <summary>Whether the buckets of <paramref name="condition"/> fit in <paramref name="maxValues"/>.</summary>
    public static bool Fits(AqiCondition condition, int maxValues)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return Pollutants.Count * HoursOf(condition.Basis) <= maxValues;
    }

    /// <summary>The top AQI of a level (HJ 633 and EPA bands agree: 50, 100, 150, 200, 300).</summary>
    public static double BoundOf(AqiCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return AqiBands.For(condition.Standard)[condition.AboveLevel - 1].MaxAqi
            ?? throw new ArgumentException("level 6 has no top: nothing is above it", nameof(condition));
    }

    bool ISeriesStateMachine.Observe(Reading reading, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions) =>
        Observe(reading.Metric, reading.Value, reading.TimestampMs, lateBefore, ref transitions);

    /// <summary>Adds one pollutant reading and evaluates the AQI; other metrics are ignored.</summary>
    /// <returns>False when the reading is older than the last of its pollutant and was ignored.</returns>
    public bool Observe(string metric, double value, long timestampMs, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions)
    {
        var p = IndexOf(metric);
        if (p < 0)
        {
            return true;
        }

        if (timestampMs < _lastMs[p])
        {
            return false;
        }

        var replaces = timestampMs == _lastMs[p];
        var previous = _lastValues[p];
        _lastMs[p] = timestampMs;
        _lastValues[p] = value;
        _newestMs = Math.Max(_newestMs, timestampMs);
        var hour = HourOf(timestampMs);
        if (hour > HourOf(_newestMs) - _hours)
        {
            AddToBucket(p, hour, value, replaces ? previous : null);
        }

        Evaluate(lateBefore, ref transitions);
        return true;
    }

    void ISeriesStateMachine.Align(AlertSeverity? firing) => _threshold.Align(firing);

    void ISeriesStateMachine.Save(SeriesStateWriter writer)
    {
        writer.Write(_newestMs);
        writer.Write(LastAqi ?? long.MinValue);
        writer.Write(_lastMs);
        writer.Write(_lastValues);
        writer.Write(_hourOf);
        writer.Write(_sums);
        writer.Write([.. _counts.Select(c => (long)c)]);
        _threshold.Save(writer);
    }

    void ISeriesStateMachine.Restore(SeriesStateReader reader)
    {
        _newestMs = reader.ReadLong();
        var lastAqi = reader.ReadLong();
        LastAqi = lastAqi == long.MinValue ? null : checked((int)lastAqi);
        reader.ReadLongs(_lastMs.Length).CopyTo(_lastMs, 0);
        reader.ReadDoubles(_lastValues.Length).CopyTo(_lastValues, 0);
        reader.ReadLongs(_hourOf.Length).CopyTo(_hourOf, 0);
        reader.ReadDoubles(_sums.Length).CopyTo(_sums, 0);
        var counts = reader.ReadLongs(_counts.Length);
        for (var i = 0; i < counts.Length; i++)
        {
            _counts[i] = checked((int)counts[i]);
        }

        _threshold.Restore(reader);
    }

    private static int HoursOf(AqiBasis basis) => basis == AqiBasis.Daily ? 24 + 7 : 24;

    private static long HourOf(long timestampMs) => Math.DivRem(timestampMs, HourMs, out var remainder) - (remainder < 0 ? 1 : 0);

    private static int IndexOf(string metric)
    {
        for (var i = 0; i < Pollutants.Count; i++)
        {
            if (string.Equals(Pollutants[i], metric, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The inputs of a standard's real-time (hourly) or daily report, in the calculator's names.</summary>
    private static Input[] InputsOf(AqiStandard standard, AqiBasis basis) => (standard, basis) switch
    {
        (AqiStandard.Hj633_2026, AqiBasis.Hourly) =>
        [
            new(Pm25, "pm25_1h", Statistic.Hour), new(Pm10, "pm10_1h", Statistic.Hour), new(So2, "so2_1h", Statistic.Hour),
            new(No2, "no2_1h", Statistic.Hour), new(Co, "co_1h", Statistic.Hour), new(O3, "o3_1h", Statistic.Hour),
        ],
        (AqiStandard.Hj633_2026, _) =>
        [
            new(Pm25, "pm25_24h", Statistic.Mean24h), new(Pm10, "pm10_24h", Statistic.Mean24h), new(So2, "so2_24h", Statistic.Mean24h),
            new(No2, "no2_24h", Statistic.Mean24h), new(Co, "co_24h", Statistic.Mean24h), new(O3, "o3_8h", Statistic.Max8h),
        ],
        (AqiStandard.Hj633_2012, AqiBasis.Hourly) =>
        [
            new(Pm25, "pm25_24h", Statistic.Mean24h), new(Pm10, "pm10_24h", Statistic.Mean24h),
            new(So2, "so2_1h", Statistic.Hour), new(So2, "so2_24h", Statistic.Mean24h, OnlyAboveSo2Rule: true),
            new(No2, "no2_1h", Statistic.Hour), new(Co, "co_1h", Statistic.Hour),
            new(O3, "o3_1h", Statistic.Hour), new(O3, "o3_8h", Statistic.Mean8h),
        ],
        (AqiStandard.Hj633_2012, _) =>
        [
            new(Pm25, "pm25_24h", Statistic.Mean24h), new(Pm10, "pm10_24h", Statistic.Mean24h), new(So2, "so2_24h", Statistic.Mean24h),
            new(No2, "no2_24h", Statistic.Mean24h), new(Co, "co_24h", Statistic.Mean24h),
            new(O3, "o3_1h", Statistic.MaxHour), new(O3, "o3_8h", Statistic.Max8h),
        ],
        (AqiStandard.Epa2024, AqiBasis.Hourly) =>
        [
            new(Pm25, "pm25_24h", Statistic.Mean24h), new(Pm10, "pm10_24h", Statistic.Mean24h),
            new(O3, "o3_8h", Statistic.Mean8h, To: Ppm("o3")), new(O3, "o3_1h", Statistic.Hour, Optional: true, To: Ppm("o3")),
            new(Co, "co_8h", Statistic.Mean8h, To: Ppm("co")),
            new(So2, "so2_1h", Statistic.Hour, To: Ppb("so2")), new(So2, "so2_24h", Statistic.Mean24h, Optional: true, To: Ppb("so2")),
            new(No2, "no2_1h", Statistic.Hour, To: Ppb("no2")),
        ],
        (AqiStandard.Epa2024, _) =>
        [
            new(Pm25, "pm25_24h", Statistic.Mean24h), new(Pm10, "pm10_24h", Statistic.Mean24h),
            new(O3, "o3_8h", Statistic.Max8h, To: Ppm("o3")), new(O3, "o3_1h", Statistic.MaxHour, Optional: true, To: Ppm("o3")),
            new(Co, "co_8h", Statistic.Max8h, To: Ppm("co")),
            new(So2, "so2_1h", Statistic.MaxHour, To: Ppb("so2")), new(So2, "so2_24h", Statistic.Mean24h, Optional: true, To: Ppb("so2")),
            new(No2, "no2_1h", Statistic.MaxHour, To: Ppb("no2")),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(standard), standard, "unknown AQI standard"),
    };

    private static MetricDefinition Ppm(string metric) => new(SensorKind.Air, metric, AqiBreakpoints.Ppm, 0, double.MaxValue);

    private static MetricDefinition Ppb(string metric) => new(SensorKind.Air, metric, AqiBreakpoints.Ppb, 0, double.MaxValue);

    private void AddToBucket(int pollutant, long hour, double value, double? replaced)
    {
        var slot = Slot(pollutant, hour);
        if (_hourOf[slot] != hour)
        {
            // An hour that left the buckets (or a slot never used): it starts over.
            _hourOf[slot] = hour;
            _sums[slot] = 0;
            _counts[slot] = 0;
        }

        if (replaced is { } old && _counts[slot] > 0)
        {
            _sums[slot] += value - old;
            return;
        }

        _sums[slot] += value;
        _counts[slot]++;
    }

    private int Slot(int pollutant, long hour) => (pollutant * _hours) + (int)(((hour % _hours) + _hours) % _hours);

    private double? HourMean(int pollutant, long hour)
    {
        var slot = Slot(pollutant, hour);
        return _hourOf[slot] == hour && _counts[slot] > 0 ? _sums[slot] / _counts[slot] : null;
    }

    /// <summary>The mean of the hourly means of <paramref name="from"/>…<paramref name="to"/>, if at least <paramref name="minCount"/> exist.</summary>
    private double? MeanOfHours(int pollutant, long from, long to, int minCount)
    {
        var (sum, count) = (0.0, 0);
        for (var hour = from; hour <= to; hour++)
        {
            if (HourMean(pollutant, hour) is { } mean)
            {
                sum += mean;
                count++;
            }
        }

        return count >= minCount && count > 0 ? sum / count : null;
    }

    private int HoursWithValues(int pollutant, long from, long to)
    {
        var count = 0;
        for (var hour = from; hour <= to; hour++)
        {
            if (HourMean(pollutant, hour) is not null)
            {
                count++;
            }
        }

        return count;
    }

    private double? Compute(Statistic statistic, int pollutant, long current)
    {
        switch (statistic)
        {
            case Statistic.Hour:
                return HourMean(pollutant, current) ?? HourMean(pollutant, current - 1);
            case Statistic.Mean8h:
                return MeanOfHours(pollutant, current - 7, current, MinHourlyFor8h);
            case Statistic.Mean24h:
                return MeanOfHours(pollutant, current - 23, current, MinHourlyFor24h);
        }

        // Daily maxima over the 24 hours ending with the current one.
        double? max = null;
        for (var hour = current - 23; hour <= current; hour++)
        {
            var value = statistic == Statistic.MaxHour ? HourMean(pollutant, hour) : MeanOfHours(pollutant, hour - 7, hour, MinHourlyFor8h);
            if (value is { } v && (max is null || v > max))
            {
                max = v;
            }
        }

        return max;
    }

    private void Evaluate(DateTimeOffset lateBefore, ref List<AlertTransition>? transitions)
    {
        var current = HourOf(_newestMs);
        var concentrations = new List<KeyValuePair<string, double>>(_inputs.Length);
        var partial = false;
        double? so2Hour = null;
        foreach (var input in _inputs)
        {
            var hoursWithValues = HoursWithValues(input.Pollutant, current - SeenHours + 1, current);
            if (hoursWithValues == 0)
            {
                // Not reported by this device in the last day: not part of its AQI.
                continue;
            }

            var value = _condition.Basis == AqiBasis.Daily && hoursWithValues < MinHourlyFor24h
                ? null
                : Compute(input.Statistic, input.Pollutant, current);
            if (input.Name == "so2_1h")
            {
                so2Hour = value;
            }

            if (input.OnlyAboveSo2Rule && !(so2Hour > 800))
            {
                continue;
            }

            if (value is { } v && v >= 0 && input.To is { } unit)
            {
                // Catalog units (docs/catalog.md#unit-conversion) to the standard's ppm/ppb; NaN if that ever failed.
                var from = MetricCatalog.Default.TryGet(SensorKind.Air, Pollutants[input.Pollutant], out var definition) ? definition.Unit : string.Empty;
                UnitConversion.TryConvert(unit, v, from, out var converted, out _);
                value = converted;
            }

            if (value is not { } concentration || !double.IsFinite(concentration) || concentration < 0 || concentration > (double)AqiCalculator.MaxConcentration)
            {
                partial |= !input.Optional;
                continue;
            }

            concentrations.Add(new(input.Name, concentration));
        }

        LastIsLowerBound = partial;
        if (concentrations.Count == 0)
        {
            LastAqi = null;
            LastResult = null;
            return;
        }

        LastResult = _calculator.Calculate(concentrations);
        LastAqi = LastResult.Aqi;
        if (LastAqi is not { } aqi || (partial && aqi <= Bound))
        {
            // No index, or a lower bound that cannot show the episode is over.
            return;
        }

        _threshold.Observe(aqi, _newestMs, lateBefore, ref transitions);
    }

    private enum Statistic
    {
        /// <summary>The current hour's mean, else the previous hour's.</summary>
        Hour,

        /// <summary>Moving mean of the 8 hours ending with the current one (6 hourly values).</summary>
        Mean8h,

        /// <summary>Moving mean of the 24 hours ending with the current one (20 hourly values).</summary>
        Mean24h,

        /// <summary>The highest hourly mean of the 24 hours ending with the current one.</summary>
        MaxHour,

        /// <summary>The highest valid 8 h moving mean ending in the 24 hours ending with the current one.</summary>
        Max8h,
    }

    /// <param name="OnlyAboveSo2Rule">HJ 633-2012: the 24 h SO2 input counts only when 1 h SO2 is above 800 µg/m³.</param>
    /// <param name="Optional">A standard's optional input (EPA 1 h O3, 24 h SO2): its absence does not make the AQI a lower bound.</param>
    /// <param name="To">The standard's unit, when it is not the catalog's.</param>
    private sealed record Input(int Pollutant, string Name, Statistic Statistic, bool Optional = false, MetricDefinition? To = null, bool OnlyAboveSo2Rule = false);
}
