using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Storage;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Runtime.Health;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Alerting;

/// <summary>
/// The alert engine at run time: readings → evaluator (transitions) → alert book
/// (notifications) → outbox. Transitions become points of the <c>alert</c> measurement that
/// travel with the message to the store (and the spool), so a transition is as durable as the
/// readings that caused it; notifications are on disk in the outbox before the message can be
/// acknowledged. One lock keeps evaluator, book and outbox queue in step, so a snapshot is
/// consistent; nothing under it touches the disk (docs/decisions.md, "Alert pipeline and outbox:
/// disk I/O and scans").
/// </summary>
/// <remarks>
/// <para>Under the lock: evaluate, apply to the book, queue the notifications in the outbox (in
/// memory, in sequence order), copy the state for a save. Outside it: wait for the outbox to have
/// the notifications on disk (group commit), serialise and fsync the state file (one save at a
/// time), parse a changed rules file.</para>
/// <para>State: saved to <c>DataDirectory/state/alerts.json</c> every <c>Alerts:StateSaveInterval</c>
/// when something changed, after an acknowledgement or a rules reload, and on a graceful stop
/// (after the ingest queue drained). At start the snapshot is restored, then the book replays the
/// outbox's notifications made after it: after a crash the book knows every alert it announced,
/// and the evaluator's evidence is at most one save interval old (see docs/decisions.md). A save
/// that fails (a full disk) is logged, counted, raises readiness condition <c>alert-state-disk</c>
/// and is tried again at the next tick.</para>
/// <para>When the outbox cannot be written, the call fails (its message is not acknowledged);
/// the notifications stay queued in the outbox and the call's <c>alert</c> points stay here, and
/// the next call (the same message again, another one, or a tick) journals the former first and
/// returns the latter with its own.</para>
/// <para>Audit (docs/audit.md#records): transitions and rules loads are built under the lock and
/// appended to the trail outside it; a reading's transitions are durable before its call returns,
/// and those a failed append left are appended by the next call.</para>
/// </remarks>
public sealed partial class AlertPipeline(
    AlertRuleSet ruleSet,
    NotificationDescriber describer,
    AlertBook book,
    INotificationOutbox outbox,
    AlertStateStore store,
    IOptions<AlertOptions> options,
    IOptions<AlertEvaluatorOptions> evaluatorOptions,
    TimeProvider time,
    AlertMetrics metrics,
    ReadinessConditions readiness,
    ILogger<AlertPipeline> logger,
    IAuditTrail trail) : IAcceptedReadingsObserver
{
    /// <summary>The readiness condition raised while the state file cannot be written.</summary>
    public const string StateDiskCondition = DiskStores.AlertState + "-disk";

    private readonly Lock _gate = new();

    // One save at a time, so an older snapshot never overwrites a newer one.
    private readonly SemaphoreSlim _saving = new(1, 1);
    private AlertEvaluator _evaluator = new(ruleSet.Rules, time, evaluatorOptions.Value);
    private bool _dirty;
    private DateTimeOffset _savedAt = time.GetUtcNow();

    // Alert points of calls whose notifications did not reach the disk: returned by the next call.
    private List<string> _unreturned = [];

    // Audit records built under the lock, not yet appended (a failed append leaves them here).
    private readonly PendingAuditRecords _audit = new(trail);

    /// <summary>The evaluator in force (replaced when the rules file is reloaded).</summary>
    public AlertEvaluator Evaluator
    {
        get
        {
            lock (_gate)
            {
                return _evaluator;
            }
        }
    }

    public AlertBook Book => book;

    /// <summary>
    /// Restores the saved state, catches the book up with the outbox, and aligns the evaluator's
    /// lifecycle with the book. Call once, before the first reading.
    /// </summary>
    public void Start()
    {
        var saved = store.Load();
        lock (_gate)
        {
            if (saved is not null)
            {
                var result = _evaluator.Restore(saved.Evaluator);
                book.Restore(saved.Book);
                LogRestored(logger, result.Restored, result.RuleChanged, result.Unreadable, saved.Book.Series.Count(s => s.Active is not null), saved.SavedAt);
            }

            var missed = outbox.After(book.LastSequence);
            if (missed.Count > 0)
            {
                book.Replay(missed);
                LogReplayed(logger, missed.Count);
            }

            // The book is the newer of the two after a crash: the evaluator follows its lifecycle.
            var aligned = _evaluator.Align(book.Firing().ToDictionary(a => (a.Rule, a.Kind, a.Site, a.Device, a.Metric), a => a.Severity));
            if (aligned > 0)
            {
                LogAligned(logger, aligned);
            }

            foreach (var rule in _evaluator.NotEvaluated)
            {
                LogNotEvaluated(logger, rule.Name, rule.Line);
            }

            if (trail.Enabled)
            {
                _audit.Add([AlertAuditRecords.Rules(ruleSet.FilePath, ruleSet.Sha256, [], _evaluator.Rules, time.GetUtcNow())]);
            }

            metrics.AlertsFiring.Set(book.FiringCount);
        }
    }

    /// <summary>
    /// Evaluates accepted readings; returns the <c>alert</c> points to store with them, once the
    /// notifications they caused are on disk.
    /// </summary>
    /// <exception cref="IOException">The outbox cannot be written: do not acknowledge the message.</exception>
    public async ValueTask<IReadOnlyList<string>> ObserveAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readings);
        List<string> lines;
        List<AuditRecord> audit;
        long flushTo;
        lock (_gate)
        {
            if (readings.Count == 0 && _unreturned.Count == 0 && !outbox.HasUnflushed && _audit.Count == 0)
            {
                return [];
            }

            List<AlertTransition>? transitions = null;
            foreach (var reading in readings)
            {
                if (_evaluator.Observe(reading) is { Count: > 0 } found)
                {
                    (transitions ??= []).AddRange(found);
                }
            }

            lines = TakeUnreturned();
            if (transitions is not null)
            {
                lines.AddRange(Record(transitions));
            }

            flushTo = outbox.QueuedTo;
            audit = _audit.Take();
        }

        try
        {
            await outbox.FlushAsync(flushTo, cancellationToken);
        }
        catch
        {
            Keep(lines);
            _audit.PutBack(audit);
            throw;
        }

        try
        {
            await _audit.AppendAsync(audit, cancellationToken);
        }
        catch
        {
            Keep(lines);
            throw;
        }

        return lines;
    }

    /// <summary>
    /// What the clock shows: silent devices, repeats, settled flaps, the end of a backlog, a
    /// changed rules file; saves the state when due. Returns the <c>alert</c> points to store.
    /// When the outbox cannot be written it returns none and keeps them for the next call.
    /// </summary>
    public IReadOnlyList<string> Tick()
    {
        // Parsed, and the new evaluator's rule indexes built, before the lock: ingestion does not wait for them.
        var reloaded = ruleSet.TryReload() ? new AlertEvaluator(ruleSet.Rules, time, evaluatorOptions.Value) : null;
        List<string> lines;
        long flushTo;
        bool saveDue;
        lock (_gate)
        {
            lines = TakeUnreturned();
            if (reloaded is not null)
            {
                lines.AddRange(Reload(reloaded));
            }

            lines.AddRange(Record(_evaluator.Tick()));
            Send(book.Tick());
            flushTo = outbox.QueuedTo;
            saveDue = _dirty && time.GetUtcNow() - _savedAt >= options.Value.StateSaveInterval;
        }

        try
        {
            outbox.Flush(flushTo);
        }
        catch (IOException)
        {
            // The outbox logged, counted and raised it; the next call tries again.
            Keep(lines);
            return [];
        }

        if (saveDue)
        {
            Save();
        }

        return lines;
    }

    /// <summary>
    /// Appends the audit records that ticks, the start and failed appends left (the ticker calls
    /// it after each tick). On failure they stay for the next call.
    /// </summary>
    public ValueTask AppendPendingAuditAsync(CancellationToken cancellationToken) => _audit.AppendPendingAsync(cancellationToken);

    /// <summary>
    /// <see cref="Acknowledge"/>, and its <c>ack</c> record durable in the audit trail before this
    /// returns (an HTTP answer says the acknowledgement succeeded only then).
    /// </summary>
    public async ValueTask<(AcknowledgeOutcome Outcome, AlertInstance? Alert)> AcknowledgeAsync(string alertId, string by, string? comment, CancellationToken cancellationToken)
    {
        var outcome = Acknowledge(alertId, by, comment, out var alert);
        if (outcome == AcknowledgeOutcome.Acknowledged && trail.Enabled)
        {
            await trail.AppendAsync(AlertAuditRecords.Acknowledgement(alertId, by, comment, alert?.Acknowledgement?.At ?? time.GetUtcNow()), cancellationToken);
        }

        return (outcome, alert);
    }

    /// <summary>An officer acknowledges a firing alert; saved at once.</summary>
    public AcknowledgeOutcome Acknowledge(string alertId, string by, string? comment, out AlertInstance? alert)
    {
        AcknowledgeOutcome outcome;
        lock (_gate)
        {
            outcome = book.Acknowledge(alertId, by, comment, out alert);
            if (outcome == AcknowledgeOutcome.Acknowledged)
            {
                _dirty = true;
            }
        }

        if (outcome == AcknowledgeOutcome.Acknowledged)
        {
            LogAcknowledged(logger, alertId, by);
            Save();
        }

        return outcome;
    }

    /// <summary>
    /// Writes the state file now (the graceful stop calls it after the drain). The copy is taken
    /// under the lock; serialising and fsyncing happen outside it. Returns false when it could not
    /// be written (logged, counted, readiness raised; the next tick tries again).
    /// </summary>
    public bool Save()
    {
        _saving.Wait();
        try
        {
            AlertStateFile file;
            lock (_gate)
            {
                file = new AlertStateFile(AlertStateFile.CurrentVersion, time.GetUtcNow(), book.Snapshot(), _evaluator.Snapshot());
                _dirty = false;
            }

            try
            {
                // The snapshot must not name notifications the outbox does not hold yet: after a
                // crash the book would believe them announced.
                outbox.Flush(file.Book.LastSequence);
            }
            catch (IOException)
            {
                // The outbox logged, counted and raised it.
                StillDirty();
                return false;
            }

            try
            {
                store.Save(file);
            }
            catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
            {
                StillDirty();
                metrics.DiskWriteFailures.WithLabels(DiskStores.AlertState).Inc();
                readiness.Raise(StateDiskCondition, $"the alert state file cannot be written: {ex.Message}");
                LogSaveFailed(logger, ex, store.FilePath);
                return false;
            }

            outbox.SnapshotSaved(file.Book.LastSequence);
            metrics.AlertStateSaves.Inc();
            lock (_gate)
            {
                _savedAt = file.SavedAt;
            }

            if (readiness.IsRaised(StateDiskCondition))
            {
                readiness.Clear(StateDiskCondition);
                LogSaveRecovered(logger, store.FilePath);
            }

            return true;
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <summary>
    /// Swaps in an evaluator for the new rules: states of unchanged rules carry over (same name
    /// and fingerprint), alerts of removed or changed rules end (resolved, reason rule-changed).
    /// </summary>
    private List<string> Reload(AlertEvaluator next)
    {
        var old = _evaluator;
        var result = next.Restore(old.Snapshot());
        var kept = next.Rules.ToDictionary(r => r.Name, AlertEvaluator.FingerprintOf, StringComparer.Ordinal);
        var before = old.Rules.ToDictionary(r => r.Name, AlertEvaluator.FingerprintOf, StringComparer.Ordinal);
        var notifications = book.RetireRules(
            name => !kept.TryGetValue(name, out var fingerprint) || !before.TryGetValue(name, out var previous) || fingerprint != previous,
            out var ended);
        // Described by the rules they were made under: a removed rule is not in the new set.
        Send(notifications, old.Rules);
        _evaluator = next;
        LogReloadApplied(logger, next.Rules.Count, result.Restored, result.RuleChanged, ended.Count);
        foreach (var rule in next.NotEvaluated)
        {
            LogNotEvaluated(logger, rule.Name, rule.Line);
        }

        _dirty = true;
        List<AlertTransition> resolved = [.. ended.Select(a => new AlertTransition(
            a.Rule, a.Severity, a.Kind, a.Site, a.Device, a.Metric, AlertState.Firing, AlertState.Resolved, a.Value, a.Threshold, a.EndsAt!.Value, Late: false))];
        if (trail.Enabled)
        {
            var now = time.GetUtcNow();
            _audit.Add([AlertAuditRecords.Rules(ruleSet.FilePath, ruleSet.Sha256, old.Rules, next.Rules, now), .. resolved.Select(t => AlertAuditRecords.Transition(t, now))]);
        }

        return [.. resolved.Select(LineProtocol.FormatAlert)];
    }


    private List<string> Record(IReadOnlyList<AlertTransition> transitions)
    {
        var lines = new List<string>(transitions.Count);
        foreach (var transition in transitions)
        {
            metrics.AlertTransitions.WithLabels(transition.To.ToString().ToLowerInvariant()).Inc();
            lines.Add(LineProtocol.FormatAlert(transition));
        }

        if (trail.Enabled && transitions.Count > 0)
        {
            var received = time.GetUtcNow();
            _audit.Add(transitions.Select(t => AlertAuditRecords.Transition(t, received)));
        }

        if (transitions.Count > 0)
        {
            _dirty = true;
            Send(book.Apply(transitions));
        }

        return lines;
    }

    private void Send(IReadOnlyList<AlertNotification> notifications, IReadOnlyList<AlertRule>? rules = null)
    {
        if (notifications.Count > 0)
        {
            // Queued in memory, in sequence order; the caller waits for the disk outside the lock,
            // before the message can be acknowledged.
            outbox.Queue(describer.Describe(notifications, rules ?? _evaluator.Rules));
            _dirty = true;
        }

        metrics.AlertsFiring.Set(book.FiringCount);
    }

    /// <summary>Under the lock: the points kept from failed calls, to go out with this one's.</summary>
    private List<string> TakeUnreturned()
    {
        var lines = _unreturned;
        _unreturned = [];
        return lines;
    }

    /// <summary>A call failed (its message will come again): its points go out with the next call's.</summary>
    private void Keep(List<string> lines)
    {
        lock (_gate)
        {
            lines.AddRange(_unreturned);
            _unreturned = lines;
        }
    }

    private void StillDirty()
    {
        lock (_gate)
        {
            _dirty = true;
        }
    }

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Alert state restored: {Restored} state(s), {Changed} dropped for a removed or changed rule, {Unreadable} unreadable; {Firing} alert(s) firing; saved at {SavedAt:o}")]
    private static partial void LogRestored(ILogger logger, int restored, int changed, int unreadable, int firing, DateTimeOffset savedAt);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "{Count} notification(s) made after the last state save read back from the outbox")]
    private static partial void LogReplayed(ILogger logger, int count);

    [LoggerMessage(EventId = 6107, Level = LogLevel.Information, Message = "{Count} alert state(s) brought in line with the alerts announced before a crash")]
    private static partial void LogAligned(ILogger logger, int count);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "Alert rule {Rule} (line {Line}) is not evaluated: its window needs more values than Alerts:Evaluator:MaxWindowValues")]
    private static partial void LogNotEvaluated(ILogger logger, string rule, int line);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Information, Message = "Alert {AlertId} acknowledged by {By}")]
    private static partial void LogAcknowledged(ILogger logger, string alertId, string by);

    [LoggerMessage(EventId = 6106, Level = LogLevel.Information, Message = "Rules reloaded: {Count} rule(s); {Restored} state(s) carried over, {Dropped} dropped; {Ended} alert(s) of removed or changed rules ended")]
    private static partial void LogReloadApplied(ILogger logger, int count, int restored, int dropped, int ended);

    [LoggerMessage(EventId = 6108, Level = LogLevel.Error, Message = "Alert state {Path} could not be saved; tried again at the next tick (announced alerts are safe in the outbox)")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 6109, Level = LogLevel.Information, Message = "Alert state {Path} saved again")]
    private static partial void LogSaveRecovered(ILogger logger, string path);
}
