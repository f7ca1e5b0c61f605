using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// Runs the rules over the readings: <see cref="Observe"/> for every accepted reading,
/// <see cref="Tick"/> periodically for what only the passing of time can show (deadman).
/// Returns the transitions found; storing and notifying them is the caller's job.
/// </summary>
/// <remarks>
/// <para>Evaluated so far: threshold rules on raw readings (<see cref="ThresholdStateMachine"/>) and
/// on rolling-window aggregates (<see cref="WindowedThresholdStateMachine"/>), rates of change
/// (<see cref="RateStateMachine"/>), stuck sensors (<see cref="StuckStateMachine"/>) and deadman
/// rules (<see cref="DeadmanStateMachine"/>). AQI and profile rules are not evaluated yet (later
/// parts of the alert engine), nor a window larger than <see cref="AlertEvaluatorOptions.MaxWindowValues"/>:
/// they are listed in <see cref="NotEvaluated"/> so the service can say so at start rather than stay silent.</para>
/// <para>Memory: one small state per (rule, series) that a rule matched, where the series is
/// (kind, site, device, metric) for thresholds, rates and stuck sensors, and (kind, site, device) for deadman, the address
/// of DESIGN §3; a window state also holds at most <see cref="AlertEvaluatorOptions.MaxWindowValues"/> values.
/// Inactive series states idle for <see cref="AlertEvaluatorOptions.IdleStateExpiry"/> (or, for a
/// window, its length if longer) are dropped by <see cref="Tick"/>; deadman states are kept (forgetting a silent device is
/// exactly what a deadman must not do). <see cref="AlertEvaluatorOptions.MaxStates"/> is the hard
/// bound: beyond it new series are counted in <see cref="UntrackedObservations"/>, not evaluated.</para>
/// <para>Thread-safe: ingestion calls <see cref="Observe"/> while a timer calls <see cref="Tick"/>;
/// one lock, held for microseconds.</para>
/// </remarks>
public sealed class AlertEvaluator
{
    private readonly TimeProvider _time;
    private readonly AlertEvaluatorOptions _options;
    private readonly Lock _gate = new();

    // Rules indexed by metric, so a reading only meets the rules that could concern it.
    private readonly Dictionary<string, List<(int Index, AlertRule Rule)>> _seriesRules = new(StringComparer.Ordinal);
    private readonly List<(int Index, AlertRule Rule)> _deadmanRules = [];
    private readonly Dictionary<StateKey, ISeriesStateMachine> _series = [];
    private readonly Dictionary<StateKey, DeadmanStateMachine> _deadmen = [];

    private long _outOfOrder;
    private long _untracked;

    public AlertEvaluator(IReadOnlyList<AlertRule> rules, TimeProvider timeProvider, AlertEvaluatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
        _options = options ?? new AlertEvaluatorOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.LateThreshold, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.IdleStateExpiry, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxStates, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxWindowValues, 1, nameof(options));

        var notEvaluated = new List<AlertRule>();
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            switch (rule.Condition)
            {
                case ThresholdCondition { Window: { } window } when !WindowedThresholdStateMachine.Fits(window, _options.MaxWindowValues):
                    // More buckets (or a larger min_count) than a state may hold.
                    notEvaluated.Add(rule);
                    break;
                case ThresholdCondition or StuckCondition or RateCondition when rule.Metric is not null:
                    if (!_seriesRules.TryGetValue(rule.Metric, out var list))
                    {
                        _seriesRules[rule.Metric] = list = [];
                    }

                    list.Add((i, rule));
                    break;
                case DeadmanCondition:
                    _deadmanRules.Add((i, rule));
                    break;
                default:
                    // AQI and profiles: not in this evaluator yet.
                    notEvaluated.Add(rule);
                    break;
            }
        }

        NotEvaluated = notEvaluated;
    }

    /// <summary>Rules this evaluator does not run: condition types not implemented yet, and windows beyond <see cref="AlertEvaluatorOptions.MaxWindowValues"/>.</summary>
    public IReadOnlyList<AlertRule> NotEvaluated { get; }

    /// <summary>Readings ignored by at least one threshold, rate or stuck state because they were older than its last.</summary>
    public long OutOfOrderReadings => Interlocked.Read(ref _outOfOrder);

    /// <summary>Times a new (rule, series) state was refused because <see cref="AlertEvaluatorOptions.MaxStates"/> was reached.</summary>
    public long UntrackedObservations => Interlocked.Read(ref _untracked);

    /// <summary>Number of (rule, series) states held.</summary>
    public int StateCount
    {
        get
        {
            lock (_gate)
            {
                return _series.Count + _deadmen.Count;
            }
        }
    }

    /// <summary>Evaluates one accepted reading against every rule that matches it.</summary>
    public IReadOnlyList<AlertTransition> Observe(Reading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        var now = _time.GetUtcNow();
        var lateBefore = now - _options.LateThreshold;
        List<AlertTransition>? transitions = null;
        lock (_gate)
        {
            if (_seriesRules.TryGetValue(reading.Metric, out var rules))
            {
                var outOfOrder = false;
                foreach (var (index, rule) in rules)
                {
                    if (!rule.Matches(reading.Kind, reading.Metric, reading.Site, reading.Device))
                    {
                        continue;
                    }

                    var key = new StateKey(index, reading.Kind, reading.Site, reading.Device, reading.Metric);
                    if (!_series.TryGetValue(key, out var state))
                    {
                        if (!HasRoom())
                        {
                            continue;
                        }

                        state = rule.Condition switch
                        {
                            StuckCondition => new StuckStateMachine(rule, reading.Kind, reading.Site, reading.Device, reading.Metric),
                            RateCondition => new RateStateMachine(rule, reading.Kind, reading.Site, reading.Device, reading.Metric),
                            ThresholdCondition { Window: not null } => new WindowedThresholdStateMachine(
                                rule, reading.Kind, reading.Site, reading.Device, reading.Metric, _options.MaxWindowValues),
                            _ => new ThresholdStateMachine(rule, reading.Kind, reading.Site, reading.Device, reading.Metric),
                        };
                        _series.Add(key, state);
                    }

                    state.LastReceivedAt = now;
                    outOfOrder |= !state.Observe(reading.Value, reading.TimestampMs, lateBefore, ref transitions);
                }

                if (outOfOrder)
                {
                    Interlocked.Increment(ref _outOfOrder);
                }
            }

            foreach (var (index, rule) in _deadmanRules)
            {
                if (!rule.Matches(reading.Kind, reading.Metric, reading.Site, reading.Device))
                {
                    continue;
                }

                var key = new StateKey(index, reading.Kind, reading.Site, reading.Device, null);
                if (_deadmen.TryGetValue(key, out var state))
                {
                    state.Observe(now, lateBefore, ref transitions);
                }
                else if (HasRoom())
                {
                    _deadmen.Add(key, new DeadmanStateMachine(rule, reading.Kind, reading.Site, reading.Device, now));
                }
            }
        }

        return transitions ?? (IReadOnlyList<AlertTransition>)[];
    }

    /// <summary>
    /// Fires the deadman of every device silent for its rule's duration and drops idle inactive
    /// series states. Call it periodically (every few seconds): a deadman transition is stamped
    /// with the moment the silence was reached, so the period only delays it.
    /// </summary>
    public IReadOnlyList<AlertTransition> Tick()
    {
        var now = _time.GetUtcNow();
        var lateBefore = now - _options.LateThreshold;
        var idleBefore = now - _options.IdleStateExpiry;
        List<AlertTransition>? transitions = null;
        lock (_gate)
        {
            foreach (var state in _deadmen.Values)
            {
                state.Tick(now, lateBefore, ref transitions);
            }

            // Removing during enumeration is allowed for Dictionary since .NET Core 3.0.
            foreach (var (key, state) in _series)
            {
                if (state.State == AlertState.Inactive
                    && state.LastReceivedAt < (state.History > _options.IdleStateExpiry ? now - state.History : idleBefore))
                {
                    _series.Remove(key);
                }
            }
        }

        return transitions ?? (IReadOnlyList<AlertTransition>)[];
    }

    private bool HasRoom()
    {
        if (_series.Count + _deadmen.Count < _options.MaxStates)
        {
            return true;
        }

        Interlocked.Increment(ref _untracked);
        return false;
    }

    /// <summary>Rule by position (names are unique, but an int hashes cheaper) and series.</summary>
    private readonly record struct StateKey(int Rule, SensorKind Kind, string Site, string Device, string? Metric);
}
