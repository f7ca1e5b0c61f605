using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// Runs the rules over the readings: <see cref="Observe"/> for every accepted reading,
/// <see cref="Tick"/> periodically for what only the passing of time can show (deadman).
/// Returns the transitions found; storing and notifying them is the caller's job.
/// </summary>
/// <remarks>
/// <para>Evaluated: threshold rules on raw readings (<see cref="ThresholdStateMachine"/>) and on
/// rolling-window aggregates (<see cref="WindowedThresholdStateMachine"/>), rates of change
/// (<see cref="RateStateMachine"/>), stuck sensors (<see cref="StuckStateMachine"/>), deadman
/// rules (<see cref="DeadmanStateMachine"/>), AQI levels (<see cref="AqiStateMachine"/>) and
/// profiles, expanded by <see cref="AlertProfiles.TryExpand"/> into the above or, for GB 15618
/// without a fixed pH, into soil pH-band rules (<see cref="SoilPhBandStateMachine"/>, with the latest
/// soil pH of each site kept here). A window (or AQI buckets) larger than
/// <see cref="AlertEvaluatorOptions.MaxWindowValues"/> is not evaluated: such rules are listed in
/// <see cref="NotEvaluated"/> so the service can say so at start rather than stay silent.</para>
/// <para>Memory: one small state per (rule, series) that a rule matched, where the series is
/// (kind, site, device, metric) for thresholds, rates, stuck sensors and soil pH bands,
/// (kind, site, device) for AQI and deadman, the address of docs/mqtt.md#topics; a window state also holds at
/// most <see cref="AlertEvaluatorOptions.MaxWindowValues"/> values, an AQI state 6 × 24 (hourly) or
/// 6 × 31 (daily) hourly buckets, and the soil pH book one entry per site some pH-band rule covers
/// (never expired, like deadman states: a lab result may come months after the pH; counted in
/// <see cref="AlertEvaluatorOptions.MaxStates"/>).
/// Inactive series states idle for <see cref="AlertEvaluatorOptions.IdleStateExpiry"/> (or, for a
/// window, its length if longer) are dropped by <see cref="Tick"/>; deadman states are kept (forgetting a silent device is
/// exactly what a deadman must not do). <see cref="AlertEvaluatorOptions.MaxStates"/> is the hard
/// bound: beyond it new series are counted in <see cref="UntrackedObservations"/>, not evaluated.</para>
/// <para>Thread-safe: ingestion calls <see cref="Observe"/> while a timer calls <see cref="Tick"/>;
/// one lock. <see cref="Observe"/> holds it for microseconds; <see cref="Tick"/> checks the deadman
/// states at every call and scans every series state for idle expiry (about 45 ns a state: 16 ms
/// at 340,000 states) only once per 1/24 of <see cref="AlertEvaluatorOptions.IdleStateExpiry"/>,
/// so ingestion pauses that long about once an hour. The benchmark in tests/EcoMonitor.Benchmarks
/// measures both.</para>
/// </remarks>
public sealed partial class AlertEvaluator
{
    private readonly TimeProvider _time;
    private readonly AlertEvaluatorOptions _options;
    private readonly Lock _gate = new();

    // Rules indexed by metric, so a reading only meets the rules that could concern it.
    private readonly Dictionary<string, List<(int Index, AlertRule Rule)>> _seriesRules = new(StringComparer.Ordinal);
    private readonly List<(int Index, AlertRule Rule)> _deadmanRules = [];
    private readonly Dictionary<StateKey, ISeriesStateMachine> _series = [];
    private readonly Dictionary<StateKey, DeadmanStateMachine> _deadmen = [];
    private readonly Dictionary<MatchKey, RuleMatch> _matches = [];

    // GB 15618 rules that follow the site's soil pH, and that pH per site.
    private readonly List<AlertRule> _soilPhRules = [];
    private readonly SoilPhBook _soilPh = new();

    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    private long _outOfOrder;
    private long _untracked;
    private long _unclassified;

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

        // Profiles become their concrete rules here too, so a caller that did not expand them
        // (the service does) still gets them evaluated; expanding twice changes nothing.
        var concrete = new List<AlertRule>(rules.Count);
        foreach (var rule in rules)
        {
            if (rule.Condition is ProfileCondition && AlertProfiles.TryExpand(rule, out var expanded))
            {
                concrete.AddRange(expanded);
            }
            else
            {
                concrete.Add(rule);
            }
        }

        var notEvaluated = new List<AlertRule>();
        for (var i = 0; i < concrete.Count; i++)
        {
            var rule = concrete[i];
            switch (rule.Condition)
            {
                case ThresholdCondition { Window: { } window } when !WindowedThresholdStateMachine.Fits(window, _options.MaxWindowValues):
                case AqiCondition aqi when !AqiStateMachine.Fits(aqi, _options.MaxWindowValues):
                    // More buckets (or a larger min_count) than a state may hold.
                    notEvaluated.Add(rule);
                    break;
                case ThresholdCondition or StuckCondition or RateCondition or SoilPhBandCondition when rule.Metric is not null:
                    Route(rule.Metric, i, rule);
                    if (rule.Condition is SoilPhBandCondition)
                    {
                        _soilPhRules.Add(rule);
                    }

                    break;
                case AqiCondition:
                    // One state per device, fed by all six pollutants.
                    foreach (var metric in AqiStateMachine.Pollutants)
                    {
                        Route(metric, i, rule);
                    }

                    break;
                case DeadmanCondition:
                    _deadmanRules.Add((i, rule));
                    break;
                default:
                    // A condition without the metric it needs, or a profile without an expansion.
                    notEvaluated.Add(rule);
                    break;
            }
        }

        Rules = rules;
        NotEvaluated = notEvaluated;
    }

    /// <summary>The rules as given, before profile expansion (what a reload compares against).</summary>
    public IReadOnlyList<AlertRule> Rules { get; }

    /// <summary>
    /// Rules this evaluator does not run: windows (and AQI buckets) beyond
    /// <see cref="AlertEvaluatorOptions.MaxWindowValues"/>, and a rule whose condition needs a metric it lacks.
    /// </summary>
    public IReadOnlyList<AlertRule> NotEvaluated { get; }

    /// <summary>
    /// Readings ignored by at least one state because they were older than its last (for AQI, the
    /// last of the same pollutant), and soil pH readings older than their site's latest.
    /// </summary>
    public long OutOfOrderReadings => Interlocked.Read(ref _outOfOrder);

    /// <summary>
    /// Soil pollutant readings a pH-band rule (GB 15618 without a fixed <c>ph</c>) skipped because
    /// their site had no soil pH reading yet: the limit depends on the pH band, so they cannot be
    /// classified. Counted once per reading.
    /// </summary>
    public long UnclassifiedSoilReadings => Interlocked.Read(ref _unclassified);

    /// <summary>Times a new (rule, series) state was refused because <see cref="AlertEvaluatorOptions.MaxStates"/> was reached.</summary>
    public long UntrackedObservations => Interlocked.Read(ref _untracked);

    /// <summary>Number of (rule, series) states held, and sites whose soil pH is kept.</summary>
    public int StateCount
    {
        get
        {
            lock (_gate)
            {
                return _series.Count + _deadmen.Count + _soilPh.Count;
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
            var outOfOrder = false;
            if (_soilPhRules.Count > 0 && IsSoilPh(reading) && (_soilPh.Contains(reading.Site) || HasRoom()))
            {
                outOfOrder |= !_soilPh.Record(reading.Site, reading.Value, reading.TimestampMs);
            }

            var matched = RulesFor(reading);
            if (matched.Series.Length > 0)
            {
                var unclassified = false;
                foreach (var (index, rule) in matched.Series)
                {
                    if (rule.Condition is SoilPhBandCondition && !_soilPh.Contains(reading.Site))
                    {
                        unclassified = true;
                        continue;
                    }

                    // An AQI state is per device, whichever pollutant feeds it: its key's metric is "aqi".
                    var metric = rule.Condition is AqiCondition ? AqiStateMachine.MetricName : reading.Metric;
                    var key = new StateKey(index, reading.Kind, reading.Site, reading.Device, metric);
                    if (!_series.TryGetValue(key, out var state))
                    {
                        if (!HasRoom())
                        {
                            continue;
                        }

                        state = CreateSeriesMachine(rule, reading.Kind, reading.Site, reading.Device, metric);
                        _series.Add(key, state);
                    }

                    state.LastReceivedAt = now;
                    outOfOrder |= !state.Observe(reading, lateBefore, ref transitions);
                }

                if (unclassified)
                {
                    Interlocked.Increment(ref _unclassified);
                }
            }

            if (outOfOrder)
            {
                Interlocked.Increment(ref _outOfOrder);
            }

            foreach (var (index, rule) in matched.Deadmen)
            {
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

            // The idle sweep visits every state (about 45 ns each): at most once per 1/24 of the
            // expiry (an hour by default), not at every tick, so ingestion rarely waits for it.
            if (now >= _nextSweep)
            {
                _nextSweep = now + SweepInterval;

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
        }

        return transitions ?? (IReadOnlyList<AlertTransition>)[];
    }

    /// <summary>How often <see cref="Tick"/> looks for idle states: 1/24 of the expiry, at least a minute.</summary>
    private TimeSpan SweepInterval => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMinutes(1).Ticks, _options.IdleStateExpiry.Ticks / 24));

    private ISeriesStateMachine CreateSeriesMachine(AlertRule rule, SensorKind kind, string site, string device, string metric) => rule.Condition switch
    {
        StuckCondition => new StuckStateMachine(rule, kind, site, device, metric),
        RateCondition => new RateStateMachine(rule, kind, site, device, metric),
        ThresholdCondition { Window: not null } => new WindowedThresholdStateMachine(rule, kind, site, device, metric, _options.MaxWindowValues),
        AqiCondition => new AqiStateMachine(rule, site, device),
        SoilPhBandCondition => new SoilPhBandStateMachine(rule, kind, site, device, metric, _soilPh),
        _ => new ThresholdStateMachine(rule, kind, site, device, metric),
    };

    /// <summary>
    /// The rules whose scope takes this series. Globs are regular expressions, and a reading meets
    /// every rule of its metric: matched once per series and cached, they cost a dictionary lookup
    /// (measured: about 12 of 17 µs per reading with 1,000 rules before the cache). The cache is
    /// emptied when it reaches <see cref="AlertEvaluatorOptions.MaxStates"/> entries, so invented
    /// device names cannot grow it without bound.
    /// </summary>
    private RuleMatch RulesFor(Reading reading)
    {
        var key = new MatchKey(reading.Kind, reading.Site, reading.Device, reading.Metric);
        if (_matches.TryGetValue(key, out var match))
        {
            return match;
        }

        if (_matches.Count >= _options.MaxStates)
        {
            _matches.Clear();
        }

        match = MatchRules(reading);
        _matches.Add(key, match);
        return match;
    }

    // Apart from RulesFor: its lambdas capture the reading, and a closure is allocated on entry to
    // the method that declares the captured variable, cache hit or not.
    private RuleMatch MatchRules(Reading reading)
    {
        var series = _seriesRules.TryGetValue(reading.Metric, out var rules)
            ? rules.Where(r => r.Rule.Matches(reading.Kind, reading.Metric, reading.Site, reading.Device)).ToArray()
            : [];
        var deadmen = _deadmanRules.Where(r => r.Rule.Matches(reading.Kind, reading.Metric, reading.Site, reading.Device)).ToArray();
        return series.Length == 0 && deadmen.Length == 0 ? RuleMatch.None : new RuleMatch(series, deadmen);
    }

    private bool HasRoom()
    {
        if (_series.Count + _deadmen.Count + _soilPh.Count < _options.MaxStates)
        {
            return true;
        }

        Interlocked.Increment(ref _untracked);
        return false;
    }

    /// <summary>
    /// A soil pH reading of a site some pH-band rule covers (by its site glob; not its device
    /// glob: the pH is the site's, whichever probe measures it).
    /// </summary>
    private bool IsSoilPh(Reading reading)
    {
        if (reading.Kind != SensorKind.Soil || !string.Equals(reading.Metric, AlertProfiles.SoilPhMetric, StringComparison.Ordinal))
        {
            return false;
        }

        // A loop, not a lambda: a closure over the reading would allocate on every reading.
        foreach (var rule in _soilPhRules)
        {
            if (rule.Site.IsMatch(reading.Site))
            {
                return true;
            }
        }

        return false;
    }

    private void Route(string metric, int index, AlertRule rule)
    {
        if (!_seriesRules.TryGetValue(metric, out var list))
        {
            _seriesRules[metric] = list = [];
        }

        list.Add((index, rule));
    }

    /// <summary>
    /// Rule by position in the expanded rule list (names are unique, but an int hashes cheaper)
    /// and series; the metric is <c>aqi</c> for an AQI state and null for deadman.
    /// </summary>
    private readonly record struct MatchKey(SensorKind Kind, string Site, string Device, string Metric);

    private sealed record RuleMatch((int Index, AlertRule Rule)[] Series, (int Index, AlertRule Rule)[] Deadmen)
    {
        public static RuleMatch None { get; } = new([], []);
    }

    private readonly record struct StateKey(int Rule, SensorKind Kind, string Site, string Device, string? Metric);
}
