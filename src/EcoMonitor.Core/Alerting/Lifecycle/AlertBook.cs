using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Lifecycle;

/// <summary>
/// The alerts an officer deals with: turns the evaluator's transitions into alert instances and
/// notifications. Decides what is sent and when: one notification per change, held while a
/// series flaps, grouped for a replayed backlog, repeated while nobody acknowledges.
/// </summary>
/// <remarks>
/// <para>Per series it keeps what is firing (<c>Active</c>) and what the officer last heard
/// (<c>Heard</c>). Notifying is reconciling the two: a heard alert that ended is sent resolved,
/// an active one not heard is sent firing, a severity change is sent. Holding (flapping, backlog)
/// only postpones the reconciliation, so whatever happened meanwhile comes out as the final state
/// plus a count of episodes the officer never heard of; nothing is lost and nothing is sent twice.</para>
/// <para>Transitions the book already reflects are absorbed (a firing series firing again, the
/// end of an alert it does not hold): after a crash the evaluator's state may be a few seconds
/// older than the book's, and the redelivered readings must not page anyone again.</para>
/// <para>Thread-safe: one lock. Time: the service clock through <see cref="TimeProvider"/> for
/// repeats and holding; event time (the transitions') for the alerts themselves.</para>
/// </remarks>
public sealed class AlertBook
{
    private readonly TimeProvider _time;
    private readonly AlertBookOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<SeriesKey, Series> _series = [];
    private readonly LinkedList<AlertInstance> _recent = new();
    private long _sequence;

    // Series with an alert firing, kept as each series' Active changes: Firing() sorts every series.
    private int _firing;

    // Clock times of the current backlog group: held late series are flushed together.
    private DateTimeOffset? _lateFirstAt;
    private DateTimeOffset _lateLastAt;

    public AlertBook(TimeProvider timeProvider, AlertBookOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
        _options = options ?? new AlertBookOptions();
    }

    /// <summary>Sequence number of the last notification made (0 before any).</summary>
    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _sequence;
            }
        }
    }

    /// <summary>How many alerts are firing now (kept as they change: no pass over the series).</summary>
    public int FiringCount
    {
        get
        {
            lock (_gate)
            {
                return _firing;
            }
        }
    }

    /// <summary>Applies the evaluator's transitions; returns the notifications due now, in order.</summary>
    public IReadOnlyList<AlertNotification> Apply(IReadOnlyList<AlertTransition> transitions)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        if (transitions.Count == 0)
        {
            return [];
        }

        var now = _time.GetUtcNow();
        List<AlertNotification>? sent = null;
        lock (_gate)
        {
            foreach (var transition in transitions)
            {
                Apply(transition, now, ref sent);
            }
        }

        return sent ?? (IReadOnlyList<AlertNotification>)[];
    }

    /// <summary>
    /// What only the clock shows: repeats of unacknowledged alerts, flapping series that settled,
    /// and the end of a backlog (held late transitions sent as one group per site).
    /// </summary>
    public IReadOnlyList<AlertNotification> Tick()
    {
        var now = _time.GetUtcNow();
        List<AlertNotification>? sent = null;
        lock (_gate)
        {
            var flushLate = _lateFirstAt is { } first
                && (now - _lateLastAt >= _options.LateGroupWait || now - first >= _options.LateGroupMaxHold);
            var flushGroup = flushLate ? $"backlog-{_sequence + 1}" : null;
            if (flushLate)
            {
                _lateFirstAt = null;
            }

            foreach (var (key, series) in _series)
            {
                if (series.Flapping && now.ToUnixTimeMilliseconds() - series.LastChangeMs >= (long)_options.FlapQuiet.TotalMilliseconds)
                {
                    series.Flapping = false;
                    if (!series.LateHeld)
                    {
                        Reconcile(series, NotificationReason.FlappingEnded, $"settled-{_sequence + 1}", late: false, now, ref sent);
                    }
                }

                if (flushLate && series.LateHeld)
                {
                    series.LateHeld = false;
                    if (!series.Flapping)
                    {
                        Reconcile(series, NotificationReason.Backlog, $"{flushGroup}-{key.Site}", late: true, now, ref sent);
                    }
                }

                if (_options.RepeatInterval > TimeSpan.Zero
                    && series.Active is { Acknowledgement: null } active
                    && series.Heard?.Id == active.Id
                    && !series.Held
                    && now - series.LastNotifiedAt >= _options.RepeatInterval)
                {
                    Notify(NotificationReason.Repeat, active, late: false, group: null, held: 0, now, ref sent);
                    series.LastNotifiedAt = now;
                }

                if (series.IsIdle(now.ToUnixTimeMilliseconds() - (long)_options.FlapWindow.TotalMilliseconds))
                {
                    _series.Remove(key);
                }
            }
        }

        return sent ?? (IReadOnlyList<AlertNotification>)[];
    }

    /// <summary>
    /// Ends the alerts of rules that were removed or changed (a rules reload): a changed rule's
    /// evaluator state starts over, so what it had firing is resolved now rather than left firing
    /// forever; if the new rule still fires, that is a new alert. Returns the notifications and the
    /// alerts ended (the caller records their ends in the store).
    /// </summary>
    public IReadOnlyList<AlertNotification> RetireRules(Func<string, bool> retired, out IReadOnlyList<AlertInstance> ended)
    {
        ArgumentNullException.ThrowIfNull(retired);
        var now = _time.GetUtcNow();
        List<AlertNotification>? sent = null;
        var endedAlerts = new List<AlertInstance>();
        lock (_gate)
        {
            foreach (var (key, series) in _series)
            {
                if (!retired(key.Rule))
                {
                    continue;
                }

                if (series.Active is { } active)
                {
                    var end = active with { EndsAt = now };
                    endedAlerts.Add(end);
                    Remember(end);
                    series.Active = null;
                    if (series.Heard?.Id == end.Id)
                    {
                        series.HeardEnded = end;
                    }
                }

                series.Flapping = false;
                series.LateHeld = false;
                Reconcile(series, NotificationReason.RuleChanged, group: null, late: false, now, ref sent);
                _series.Remove(key);
            }
        }

        ended = endedAlerts;
        return sent ?? (IReadOnlyList<AlertNotification>)[];
    }

    /// <summary>Records an officer's acknowledgement of a firing alert: no more repeats for it.</summary>
    public AcknowledgeOutcome Acknowledge(string alertId, string by, string? comment, out AlertInstance? alert)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(alertId);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            foreach (var series in _series.Values)
            {
                if (series.Active is { } active && active.Id == alertId)
                {
                    series.Active = alert = active with { Acknowledgement = new Acknowledgement(by, now, comment) };
                    if (series.Heard?.Id == alertId)
                    {
                        series.Heard = alert;
                    }

                    return AcknowledgeOutcome.Acknowledged;
                }
            }

            alert = _recent.FirstOrDefault(a => a.Id == alertId);
            return alert is null ? AcknowledgeOutcome.NotFound : AcknowledgeOutcome.NotFiring;
        }
    }

    /// <summary>The alerts firing now, oldest first.</summary>
    public IReadOnlyList<AlertInstance> Firing()
    {
        lock (_gate)
        {
            return [.. _series.Values.Select(s => s.Active).OfType<AlertInstance>().OrderBy(a => a.StartsAt).ThenBy(a => a.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>Recently resolved alerts, newest first (at most <see cref="AlertBookOptions.RecentResolved"/>).</summary>
    public IReadOnlyList<AlertInstance> RecentlyResolved()
    {
        lock (_gate)
        {
            return [.. _recent];
        }
    }

    /// <summary>A firing or recently resolved alert by id.</summary>
    public AlertInstance? Find(string alertId)
    {
        lock (_gate)
        {
            return _series.Values.Select(s => s.Active).FirstOrDefault(a => a?.Id == alertId)
                ?? _recent.FirstOrDefault(a => a.Id == alertId);
        }
    }

    /// <summary>A copy of the whole book, to persist.</summary>
    public AlertBookSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new AlertBookSnapshot(
                _sequence,
                [.. _series.Select(p => p.Value.ToSnapshot(p.Key))],
                [.. _recent],
                _lateFirstAt,
                _lateLastAt);
        }
    }

    /// <summary>Replaces the book's content by a snapshot (at start, before any transition).</summary>
    public void Restore(AlertBookSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_gate)
        {
            _series.Clear();
            _firing = 0;
            _recent.Clear();
            _sequence = snapshot.LastSequence;
            foreach (var s in snapshot.Series)
            {
                _series[new SeriesKey(s.Rule, s.Kind, s.Site, s.Device, s.Metric)] = Series.From(this, s);
            }

            // Counted once more as stored: a snapshot naming a series twice keeps the last.
            _firing = _series.Values.Count(v => v.Active is not null);

            foreach (var alert in snapshot.Recent)
            {
                _recent.AddLast(alert);
            }

            _lateFirstAt = snapshot.LateFirstAt;
            _lateLastAt = snapshot.LateLastAt;
        }
    }

    /// <summary>
    /// Brings the book up to notifications made after its snapshot (read back from the outbox
    /// after a crash): the officer heard them, so the book must know, or it would send them again.
    /// Notifications at or below <see cref="LastSequence"/> are skipped.
    /// </summary>
    public void Replay(IEnumerable<AlertNotification> notifications)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        lock (_gate)
        {
            foreach (var n in notifications)
            {
                if (n.Sequence <= _sequence)
                {
                    continue;
                }

                _sequence = n.Sequence;
                var key = new SeriesKey(n.Rule, n.Kind, n.Site, n.Device, n.Metric);
                var series = GetSeries(key);
                var alert = new AlertInstance(n.AlertId, n.Rule, n.Severity, n.Kind, n.Site, n.Device, n.Metric, n.Value, n.Threshold, n.StartsAt, n.EndsAt, n.Late, n.Acknowledgement);
                series.LastNotifiedAt = n.CreatedAt;
                series.HeldEpisodes = 0;
                series.HeldLast = null;
                series.HeardEnded = null;
                if (n.State == NotificationState.Firing)
                {
                    series.Heard = alert;
                    if (series.Active?.Id != alert.Id || series.Active.Severity != alert.Severity)
                    {
                        series.Active = alert with { Acknowledgement = series.Active?.Id == alert.Id ? series.Active.Acknowledgement : alert.Acknowledgement };
                    }
                }
                else
                {
                    series.Heard = null;
                    if (series.Active?.Id == alert.Id)
                    {
                        series.Active = null;
                        Remember(alert);
                    }
                }
            }
        }
    }

    private void Apply(AlertTransition t, DateTimeOffset now, ref List<AlertNotification>? sent)
    {
        if (!t.IsNotifiable)
        {
            // Recorded in the store for dashboards; nobody is paged for what has not fired.
            return;
        }

        var key = new SeriesKey(t.RuleName, t.Kind, t.Site, t.Device, t.Metric);
        var series = GetSeries(key);
        var atMs = t.At.ToUnixTimeMilliseconds();
        var reason = NotificationReason.Started;
        if (t.To == AlertState.Firing)
        {
            if (series.Active is { } active)
            {
                if (active.Severity == t.Severity)
                {
                    return; // Already firing at this severity: the evaluator restarted from an older state.
                }

                // Escalation needs a fresh acknowledgement: the officer acknowledged a lesser alert.
                series.Active = active with
                {
                    Severity = t.Severity,
                    Value = t.Value,
                    Threshold = t.Threshold,
                    Acknowledgement = t.Severity > active.Severity ? null : active.Acknowledgement,
                };
                reason = NotificationReason.SeverityChanged;
            }
            else
            {
                series.Active = new AlertInstance(
                    AlertInstance.IdFor(t.RuleName, t.Kind, t.Site, t.Device, t.Metric, t.At),
                    t.RuleName, t.Severity, t.Kind, t.Site, t.Device, t.Metric, t.Value, t.Threshold, t.At, null, t.Late, null);
                if (RecordStart(series, atMs) && !t.Late)
                {
                    // Tell the officer once, then hold until the series settles.
                    series.LastChangeMs = atMs;
                    Reconcile(series, NotificationReason.FlappingStarted, group: null, late: false, now, ref sent);
                    series.Flapping = true;
                    return;
                }
            }
        }
        else if (t.To == AlertState.Resolved)
        {
            if (series.Active is not { } active)
            {
                return; // Not firing here: already resolved before a restart.
            }

            var ended = active with { EndsAt = t.At, Value = t.Value };
            series.Active = null;
            Remember(ended);
            if (series.Heard?.Id == ended.Id)
            {
                series.HeardEnded = ended;
            }
            else
            {
                series.HeldEpisodes++;
                series.HeldLast = ended;
            }

            reason = NotificationReason.Ended;
        }
        else
        {
            return;
        }

        series.LastChangeMs = Math.Max(series.LastChangeMs, atMs);
        if (t.Late)
        {
            series.LateHeld = true;
            _lateFirstAt ??= now;
            _lateLastAt = now;
            return;
        }

        if (series.Flapping)
        {
            return;
        }

        // A live change on a series still held for a backlog: the officer needs the present now.
        series.LateHeld = false;
        Reconcile(series, reason, group: null, late: false, now, ref sent);
    }

    /// <returns>True when this start makes the series flapping.</returns>
    private bool RecordStart(Series series, long atMs)
    {
        if (_options.FlapStarts <= 0)
        {
            return false;
        }

        var starts = series.FlapStarts;
        starts.Add(atMs);
        if (starts.Count > _options.FlapStarts)
        {
            starts.RemoveAt(0);
        }

        return !series.Flapping
            && starts.Count == _options.FlapStarts
            && atMs - starts[0] <= (long)_options.FlapWindow.TotalMilliseconds;
    }

    /// <summary>Sends what the officer must hear for <paramref name="series"/> to know its present state.</summary>
    private void Reconcile(Series series, NotificationReason reason, string? group, bool late, DateTimeOffset now, ref List<AlertNotification>? sent)
    {
        var desired = series.Active;
        var heard = series.Heard;
        var before = sent?.Count ?? 0;
        var held = series.HeldEpisodes;
        if (heard is not null && desired?.Id != heard.Id)
        {
            var ended = series.HeardEnded ?? heard with { EndsAt = desired?.StartsAt ?? now };
            Notify(reason == NotificationReason.Started ? NotificationReason.Ended : reason, ended, late, group, desired is null ? held : 0, now, ref sent);
            if (desired is null)
            {
                held = 0;
            }
        }

        if (desired is not null && (heard is null || heard.Id != desired.Id))
        {
            Notify(reason, desired, late || desired.Late, group, held, now, ref sent);
            held = 0;
        }
        else if (desired is not null && heard!.Severity != desired.Severity)
        {
            Notify(reason is NotificationReason.Started or NotificationReason.Ended ? NotificationReason.SeverityChanged : reason, desired, late, group, held, now, ref sent);
            held = 0;
        }

        if (held > 0 && series.HeldLast is { } missed)
        {
            // Episodes that began and ended unheard: one resolved notification says they happened.
            Notify(reason, missed, late || missed.Late, group, held, now, ref sent);
        }

        series.Heard = desired;
        series.HeardEnded = null;
        series.HeldEpisodes = 0;
        series.HeldLast = null;
        if ((sent?.Count ?? 0) > before)
        {
            series.LastNotifiedAt = now;
        }
    }

    private void Notify(NotificationReason reason, AlertInstance alert, bool late, string? group, int held, DateTimeOffset now, ref List<AlertNotification>? sent)
    {
        var sequence = ++_sequence;
        (sent ??= []).Add(new AlertNotification(
            sequence,
            $"{alert.Id}:{sequence}",
            alert.Id,
            alert.State,
            reason,
            alert.Rule,
            alert.Severity,
            alert.Kind,
            alert.Site,
            alert.Device,
            alert.Metric,
            alert.Value,
            alert.Threshold,
            alert.StartsAt,
            alert.EndsAt,
            now,
            late,
            group,
            held,
            alert.Acknowledgement));
    }

    private void Remember(AlertInstance ended)
    {
        if (_options.RecentResolved == 0)
        {
            return;
        }

        _recent.AddFirst(ended);
        while (_recent.Count > _options.RecentResolved)
        {
            _recent.RemoveLast();
        }
    }

    private Series GetSeries(SeriesKey key)
    {
        if (!_series.TryGetValue(key, out var series))
        {
            _series[key] = series = new Series(this);
        }

        return series;
    }

    private readonly record struct SeriesKey(string Rule, SensorKind Kind, string Site, string Device, string? Metric);

    private sealed class Series(AlertBook book)
    {
        private AlertInstance? _active;

        /// <summary>The alert firing; setting it keeps the book's firing count (under the book's lock).</summary>
        public AlertInstance? Active
        {
            get => _active;
            set
            {
                book._firing += (value is null ? 0 : 1) - (_active is null ? 0 : 1);
                _active = value;
            }
        }

        public AlertInstance? Heard { get; set; }

        public AlertInstance? HeardEnded { get; set; }

        public int HeldEpisodes { get; set; }

        public AlertInstance? HeldLast { get; set; }

        public List<long> FlapStarts { get; } = [];

        public bool Flapping { get; set; }

        public bool LateHeld { get; set; }

        public long LastChangeMs { get; set; } = long.MinValue;

        public DateTimeOffset LastNotifiedAt { get; set; }

        public bool Held => Flapping || LateHeld;

        /// <summary>Nothing firing, heard, held, nor recent starts that flap detection still needs.</summary>
        public bool IsIdle(long flapWindowStartMs) =>
            Active is null && Heard is null && HeldEpisodes == 0 && !Flapping && !LateHeld
            && (FlapStarts.Count == 0 || FlapStarts[^1] < flapWindowStartMs);

        public AlertBookSeries ToSnapshot(SeriesKey key) => new(
            key.Rule, key.Kind, key.Site, key.Device, key.Metric,
            Active, Heard, HeardEnded, HeldEpisodes, HeldLast, [.. FlapStarts], Flapping, LateHeld, LastChangeMs, LastNotifiedAt);

        public static Series From(AlertBook book, AlertBookSeries s)
        {
            var series = new Series(book)
            {
                Active = s.Active,
                Heard = s.Heard,
                HeardEnded = s.HeardEnded,
                HeldEpisodes = s.HeldEpisodes,
                HeldLast = s.HeldLast,
                Flapping = s.Flapping,
                LateHeld = s.LateHeld,
                LastChangeMs = s.LastChangeMs,
                LastNotifiedAt = s.LastNotifiedAt,
            };
            series.FlapStarts.AddRange(s.FlapStarts);
            return series;
        }
    }
}

/// <summary>What <see cref="AlertBook.Acknowledge"/> found.</summary>
public enum AcknowledgeOutcome
{
    Acknowledged,
    NotFiring,
    NotFound,
}

/// <summary>The persisted form of <see cref="AlertBook"/>.</summary>
public sealed record AlertBookSnapshot(
    long LastSequence,
    IReadOnlyList<AlertBookSeries> Series,
    IReadOnlyList<AlertInstance> Recent,
    DateTimeOffset? LateFirstAt,
    DateTimeOffset LateLastAt);

/// <summary>The persisted state of one series of <see cref="AlertBook"/>.</summary>
public sealed record AlertBookSeries(
    string Rule,
    SensorKind Kind,
    string Site,
    string Device,
    string? Metric,
    AlertInstance? Active,
    AlertInstance? Heard,
    AlertInstance? HeardEnded,
    int HeldEpisodes,
    AlertInstance? HeldLast,
    IReadOnlyList<long> FlapStarts,
    bool Flapping,
    bool LateHeld,
    long LastChangeMs,
    DateTimeOffset LastNotifiedAt);
