using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// A rate-of-change rule for one series: the change between consecutive readings in event time,
/// normalised to the rule's <c>per</c> ((value − previous) / (t − previous t) × per), fed, stamped
/// with the newer reading's timestamp, to a <see cref="ThresholdStateMachine"/> whose one level is
/// <c>above</c> (a rise), <c>below</c> (a fall) or, with both, outside [below, above]. Fires and
/// resolves like a threshold (strict, <c>for</c> honoured, no hysteresis: the rule has no clear
/// value); a transition's value is the rate.
/// </summary>
/// <remarks>
/// The first reading of a series gives no rate. A reading older than the last is ignored (and the
/// next rate is taken from the last reading evaluated); one with the same timestamp replaces the
/// last point, as in the store, and the rate is taken again against the reading before it, so a
/// redelivery changes nothing. Two readings close in time give a large rate for a small change:
/// <c>per</c> should be near the series' reporting interval, or <c>for</c> used to ride out noise.
/// </remarks>
public sealed class RateStateMachine : ISeriesStateMachine
{
    private readonly ThresholdStateMachine _threshold;
    private readonly double _perMs;
    private long _previousMs = long.MinValue;
    private double _previousValue;
    private double _lastValue;

    public RateStateMachine(AlertRule rule, SensorKind kind, string site, string device, string metric)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var condition = rule.Condition as RateCondition
            ?? throw new ArgumentException($"rule '{rule.Name}' is not a rate rule", nameof(rule));
        _threshold = new ThresholdStateMachine(rule, [LevelOf(condition, rule.Severity)], kind, site, device, metric);
        _perMs = condition.Per.TotalMilliseconds;
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

    bool ISeriesStateMachine.Observe(Reading reading, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions) =>
        Observe(reading.Value, reading.TimestampMs, lateBefore, ref transitions);

    public bool Observe(double value, long timestampMs, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions)
    {
        if (timestampMs < LastTimestampMs)
        {
            return false;
        }

        if (timestampMs > LastTimestampMs)
        {
            if (LastTimestampMs != long.MinValue)
            {
                _previousMs = LastTimestampMs;
                _previousValue = _lastValue;
            }

            LastTimestampMs = timestampMs;
        }

        _lastValue = value;
        if (_previousMs == long.MinValue)
        {
            // The first reading (or a rewrite of it): nothing to compare with.
            return true;
        }

        // Multiplied before dividing: a rate that is a round number per 'per' comes out exact
        // (−0.5 per hour over an hour, not −0.49999999999999994).
        var rate = (value - _previousValue) * _perMs / (timestampMs - _previousMs);
        _threshold.Observe(rate, timestampMs, lateBefore, ref transitions);
        return true;
    }

    void ISeriesStateMachine.Align(AlertSeverity? firing) => _threshold.Align(firing);

    void ISeriesStateMachine.Save(SeriesStateWriter writer)
    {
        writer.Write(LastTimestampMs);
        writer.Write(_previousMs);
        writer.Write(_previousValue);
        writer.Write(_lastValue);
        _threshold.Save(writer);
    }

    void ISeriesStateMachine.Restore(SeriesStateReader reader)
    {
        LastTimestampMs = reader.ReadLong();
        _previousMs = reader.ReadLong();
        _previousValue = reader.ReadDouble();
        _lastValue = reader.ReadDouble();
        _threshold.Restore(reader);
    }

    /// <summary>The rule's limits as one threshold level of the rule's severity.</summary>
    private static ThresholdLevel LevelOf(RateCondition condition, AlertSeverity severity) => (condition.Above, condition.Below) switch
    {
        ({ } above, { } below) => new ThresholdLevel(severity, ThresholdDirection.Outside, below, High: above),
        ({ } above, null) => new ThresholdLevel(severity, ThresholdDirection.Above, above),
        (null, { } below) => new ThresholdLevel(severity, ThresholdDirection.Below, below),
        _ => throw new ArgumentException("a rate rule needs 'above' or 'below'", nameof(condition)),
    };
}
