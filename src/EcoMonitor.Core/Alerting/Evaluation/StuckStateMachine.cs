using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// A stuck sensor for one series: the value has stayed within the rule's tolerance of the first
/// value of the run for the rule's duration of event time and/or number of readings. Fires once,
/// resolves on the first reading that leaves the tolerance (which starts a new run).
/// </summary>
/// <remarks>
/// Measured against the first value of the run, not the previous reading: a slow drift of less
/// than the tolerance per reading is a sensor that changes, and comparing neighbours would call it
/// stuck. No pending state: the duration is the condition itself (the parser refuses <c>for</c>).
/// Out-of-order readings are ignored, as for thresholds; a reading with the timestamp of the last
/// one replaces it and does not lengthen the run (the store keeps one point per timestamp).
/// </remarks>
public sealed class StuckStateMachine : ISeriesStateMachine
{
    private readonly StuckCondition _condition;
    private readonly long? _forMs;
    private double _anchor;
    private long _runStartMs;
    private int _runCount;
    private bool _firing;

    public StuckStateMachine(AlertRule rule, SensorKind kind, string site, string device, string metric)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Rule = rule;
        _condition = rule.Condition as StuckCondition
            ?? throw new ArgumentException($"rule '{rule.Name}' is not a stuck rule", nameof(rule));
        Kind = kind;
        Site = site;
        Device = device;
        Metric = metric;
        _forMs = _condition.For is { } duration ? (long)duration.TotalMilliseconds : null;
    }

    public AlertRule Rule { get; }

    public SensorKind Kind { get; }

    public string Site { get; }

    public string Device { get; }

    public string Metric { get; }

    public AlertState State => _firing ? AlertState.Firing : AlertState.Inactive;

    public DateTimeOffset LastReceivedAt { get; set; }

    public long LastTimestampMs { get; private set; } = long.MinValue;

    bool ISeriesStateMachine.Observe(Reading reading, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions) =>
        Observe(reading.Value, reading.TimestampMs, lateBefore, ref transitions);

    public bool Observe(double value, long timestampMs, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions)
    {
        if (timestampMs < LastTimestampMs)
        {
            return false;
        }

        var first = LastTimestampMs == long.MinValue;
        var again = !first && timestampMs == LastTimestampMs;
        LastTimestampMs = timestampMs;
        if (first || Moved(value))
        {
            if (_firing)
            {
                _firing = false;
                Add(ref transitions, AlertState.Firing, AlertState.Resolved, value, timestampMs, lateBefore);
            }

            _anchor = value;
            _runStartMs = timestampMs;
            _runCount = 1;
            return true;
        }

        if (again)
        {
            // The same reading again (a redelivery, a retried message): not one more of the run.
            return true;
        }

        // Saturates rather than overflows on a series stuck for billions of readings.
        if (_runCount < int.MaxValue)
        {
            _runCount++;
        }

        if (!_firing
            && (_forMs is not { } forMs || timestampMs - _runStartMs >= forMs)
            && (_condition.Readings is not { } readings || _runCount >= readings))
        {
            _firing = true;
            Add(ref transitions, AlertState.Inactive, AlertState.Firing, value, timestampMs, lateBefore);
        }

        return true;
    }

    void ISeriesStateMachine.Align(AlertSeverity? firing) => _firing = firing is not null;

    void ISeriesStateMachine.Save(SeriesStateWriter writer)
    {
        writer.Write(LastTimestampMs);
        writer.Write(_anchor);
        writer.Write(_runStartMs);
        writer.Write(_runCount);
        writer.Write(_firing);
    }

    void ISeriesStateMachine.Restore(SeriesStateReader reader)
    {
        LastTimestampMs = reader.ReadLong();
        _anchor = reader.ReadDouble();
        _runStartMs = reader.ReadLong();
        _runCount = reader.ReadInt();
        _firing = reader.ReadBool();
    }

    /// <summary>
    /// Beyond the tolerance, read as the decimal numbers the operator wrote: 20.01 − 20 is
    /// 0.0100000000000016 in binary, and a tolerance of 0.01 must still call that unchanged. The
    /// allowance (a billionth of the magnitude) is far below any sensor's resolution.
    /// </summary>
    private bool Moved(double value) =>
        Math.Abs(value - _anchor) > _condition.Tolerance + (1e-9 * Math.Max(Math.Abs(value), Math.Abs(_anchor)));

    private void Add(
        ref List<AlertTransition>? transitions,
        AlertState from,
        AlertState to,
        double value,
        long timestampMs,
        DateTimeOffset lateBefore)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(timestampMs);

        // Threshold: the value the sensor is (or was) stuck at, the first of the run.
        (transitions ??= []).Add(new AlertTransition(
            Rule.Name, Rule.Severity, Kind, Site, Device, Metric, from, to, value, _anchor, at, at < lateBefore));
    }
}
