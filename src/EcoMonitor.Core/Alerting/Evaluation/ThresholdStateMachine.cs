using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// The state of one threshold rule (raw readings, no window) for one series. Runs on event time
/// only (reading timestamps), so a replayed backlog gives the transitions it would have given
/// live. Pure: the caller supplies the late cut-off, nothing here reads a clock. Window, rate and
/// AQI rules reuse it on their derived value (<see cref="WindowedThresholdStateMachine"/>,
/// <see cref="RateStateMachine"/>, <see cref="AqiStateMachine"/>), soil pH-band rules with a limit
/// that changes with the pH (<see cref="SoilPhBandStateMachine"/>).
/// </summary>
/// <remarks>
/// <para>Per level it keeps since when the level has been violated without a break. A level is
/// due when it has been violated for the rule's <c>for</c> (at once without <c>for</c>). From
/// inactive, the highest due level fires; a violation not yet due is pending, and a reading that
/// violates no level cancels the pending state (Pending → Inactive, recorded, not notified).
/// Pending needs a strict violation: the hysteresis band holds a firing alert, not a pending one.</para>
/// <para>While firing, a higher due level escalates (so escalation also waits for <c>for</c>). The
/// firing level stays until the value crosses its clear value (hysteresis) or, without one, is no
/// longer violated; then it de-escalates to the highest lower level not cleared, or resolves.
/// Every change is one transition; a reading that changes nothing yields none.</para>
/// <para>A reading older than the last one seen is ignored (the store keeps it, but state must
/// not go back in time); an equal timestamp is evaluated, as the store lets a rewrite replace
/// the point.</para>
/// </remarks>
public sealed class ThresholdStateMachine : ISeriesStateMachine
{
    private const long NotViolated = long.MinValue;

    private readonly IReadOnlyList<ThresholdLevel> _levels;
    private readonly long _forMs;

    // One slot per level (at most one per severity, so three): the whole per-series memory.
    private readonly long[] _violatedSinceMs;
    private int _firingLevel = -1;
    private int _pendingLevel = -1;
    private double _firingThreshold;

    public ThresholdStateMachine(AlertRule rule, SensorKind kind, string site, string device, string metric)
        : this(rule, RawLevelsOf(rule), kind, site, device, metric)
    {
    }

    /// <summary>
    /// A machine over derived values (a window aggregate, a rate) fed by another machine: the same
    /// levels, hysteresis and <c>for</c> logic on whatever value it is given.
    /// </summary>
    internal ThresholdStateMachine(AlertRule rule, IReadOnlyList<ThresholdLevel> levels, SensorKind kind, string site, string device, string metric)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(levels);
        Rule = rule;
        _levels = levels;
        Kind = kind;
        Site = site;
        Device = device;
        Metric = metric;
        _forMs = (long)(rule.For ?? TimeSpan.Zero).TotalMilliseconds;
        _violatedSinceMs = new long[levels.Count];
        Array.Fill(_violatedSinceMs, NotViolated);
    }

    public AlertRule Rule { get; }

    public SensorKind Kind { get; }

    public string Site { get; }

    public string Device { get; }

    public string Metric { get; }

    public AlertState State => _firingLevel >= 0 ? AlertState.Firing
        : _pendingLevel >= 0 ? AlertState.Pending
        : AlertState.Inactive;

    /// <summary>The severity firing, or null when not firing.</summary>
    public AlertSeverity? FiringSeverity => _firingLevel >= 0 ? _levels[_firingLevel].Severity : null;

    /// <summary>When the last reading of the series was received (service clock); for idle expiry.</summary>
    public DateTimeOffset LastReceivedAt { get; set; }

    /// <summary>Timestamp (Unix ms) of the last reading evaluated; <see cref="long.MinValue"/> before any.</summary>
    public long LastTimestampMs { get; private set; } = long.MinValue;

    /// <summary>Evaluates one reading of this series.</summary>
    /// <param name="lateBefore">Transitions with an event time before this are marked late.</param>
    /// <param name="transitions">Created on the first transition, so a quiet reading allocates nothing.</param>
    /// <returns>False when the reading is older than the last one and was ignored.</returns>
    public bool Observe(double value, long timestampMs, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions) =>
        Observe(value, _levels, timestampMs, lateBefore, ref transitions);

    bool ISeriesStateMachine.Observe(Reading reading, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions) =>
        Observe(reading.Value, reading.TimestampMs, lateBefore, ref transitions);

    /// <summary>
    /// Evaluates one value against <paramref name="levels"/> in place of the rule's: a limit that
    /// depends on something else (the soil pH band, <see cref="SoilPhBandStateMachine"/>). Same
    /// number of levels, same severities; the lifecycle carries over from one set to the next.
    /// </summary>
    internal bool Observe(double value, IReadOnlyList<ThresholdLevel> levels, long timestampMs, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions)
    {
        if (levels.Count != _violatedSinceMs.Length)
        {
            throw new ArgumentException($"rule '{Rule.Name}' has {_violatedSinceMs.Length} levels, not {levels.Count}", nameof(levels));
        }

        if (timestampMs < LastTimestampMs)
        {
            return false;
        }

        LastTimestampMs = timestampMs;
        var due = -1;
        var violated = -1;
        for (var i = 0; i < levels.Count; i++)
        {
            if (!levels[i].IsViolated(value))
            {
                _violatedSinceMs[i] = NotViolated;
                continue;
            }

            if (_violatedSinceMs[i] == NotViolated)
            {
                _violatedSinceMs[i] = timestampMs;
            }

            violated = i;
            if (timestampMs - _violatedSinceMs[i] >= _forMs)
            {
                due = i;
            }
        }

        if (_firingLevel < 0)
        {
            if (due >= 0)
            {
                var from = _pendingLevel >= 0 ? AlertState.Pending : AlertState.Inactive;
                _pendingLevel = -1;
                _firingLevel = due;
                _firingThreshold = LimitOf(levels[due], value);
                Add(ref transitions, levels[due].Severity, from, AlertState.Firing, value, _firingThreshold, timestampMs, lateBefore);
            }
            else if (violated >= 0 && _pendingLevel < 0)
            {
                _pendingLevel = violated;
                Add(ref transitions, levels[violated].Severity, AlertState.Inactive, AlertState.Pending, value, LimitOf(levels[violated], value), timestampMs, lateBefore);
            }
            else if (violated < 0 && _pendingLevel >= 0)
            {
                var level = levels[_pendingLevel];
                _pendingLevel = -1;
                Add(ref transitions, level.Severity, AlertState.Pending, AlertState.Inactive, value, LimitOf(level, value), timestampMs, lateBefore);
            }

            return true;
        }

        if (due > _firingLevel)
        {
            _firingLevel = due;
            _firingThreshold = LimitOf(levels[due], value);
            Add(ref transitions, levels[due].Severity, AlertState.Firing, AlertState.Firing, value, _firingThreshold, timestampMs, lateBefore);
            return true;
        }

        if (!levels[_firingLevel].IsCleared(value))
        {
            // Inside the hysteresis band (or still violated): nothing changes, nothing is emitted.
            return true;
        }

        var next = _firingLevel - 1;
        while (next >= 0 && levels[next].IsCleared(value))
        {
            next--;
        }

        if (next >= 0)
        {
            _firingLevel = next;
            _firingThreshold = LimitOf(levels[next], value);
            Add(ref transitions, levels[next].Severity, AlertState.Firing, AlertState.Firing, value, _firingThreshold, timestampMs, lateBefore);
        }
        else
        {
            var resolved = levels[_firingLevel];
            _firingLevel = -1;

            // The threshold of what was firing, so "resolved" reads against the alert it ends.
            Add(ref transitions, resolved.Severity, AlertState.Firing, AlertState.Resolved, value, _firingThreshold, timestampMs, lateBefore);
        }

        return true;
    }

    void ISeriesStateMachine.Save(SeriesStateWriter writer) => Save(writer);

    void ISeriesStateMachine.Align(AlertSeverity? firing) => Align(firing);

    internal void Align(AlertSeverity? firing)
    {
        if (firing is not { } severity)
        {
            _firingLevel = -1;
            return;
        }

        // The level of that severity, else the highest below it (a rule edited to fewer levels).
        var level = -1;
        for (var i = 0; i < _levels.Count; i++)
        {
            if (_levels[i].Severity <= severity)
            {
                level = i;
            }
        }

        _firingLevel = Math.Max(level, 0);
        _pendingLevel = -1;
        _firingThreshold = _levels[_firingLevel].Value;
    }

    void ISeriesStateMachine.Restore(SeriesStateReader reader) => Restore(reader);

    internal void Save(SeriesStateWriter writer)
    {
        writer.Write(LastTimestampMs);
        writer.Write(_firingLevel);
        writer.Write(_pendingLevel);
        writer.Write(_firingThreshold);
        writer.Write(_violatedSinceMs);
    }

    internal void Restore(SeriesStateReader reader)
    {
        LastTimestampMs = reader.ReadLong();
        _firingLevel = reader.ReadInt();
        _pendingLevel = reader.ReadInt();
        _firingThreshold = reader.ReadDouble();
        reader.ReadLongs(_violatedSinceMs.Length).CopyTo(_violatedSinceMs, 0);
        if (_firingLevel < -1 || _firingLevel >= _levels.Count || _pendingLevel < -1 || _pendingLevel >= _levels.Count)
        {
            throw new InvalidDataException("alert state names a level the rule does not have");
        }
    }

    private static IReadOnlyList<ThresholdLevel> RawLevelsOf(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var condition = rule.Condition as ThresholdCondition
            ?? throw new ArgumentException($"rule '{rule.Name}' is not a threshold rule", nameof(rule));
        return condition.Window is null
            ? condition.Levels
            : throw new ArgumentException($"rule '{rule.Name}' aggregates a window: not a raw threshold", nameof(rule));
    }

    /// <summary>The limit a value is measured against: for <c>outside</c>, the nearer end.</summary>
    private static double LimitOf(ThresholdLevel level, double value) =>
        level.Direction == ThresholdDirection.Outside && value > (level.Value + level.High!.Value) / 2
            ? level.High.Value
            : level.Value;

    private void Add(
        ref List<AlertTransition>? transitions,
        AlertSeverity severity,
        AlertState from,
        AlertState to,
        double value,
        double threshold,
        long timestampMs,
        DateTimeOffset lateBefore)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(timestampMs);
        (transitions ??= []).Add(new AlertTransition(
            Rule.Name, severity, Kind, Site, Device, Metric, from, to, value, threshold, at, at < lateBefore));
    }
}
