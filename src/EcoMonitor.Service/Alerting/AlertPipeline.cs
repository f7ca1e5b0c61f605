using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Storage;
using EcoMonitor.Service.Notifications;
using EcoMonitor.Service.Observability;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Alerting;

/// <summary>
/// The alert engine at run time: readings → evaluator (transitions) → alert book
/// (notifications) → outbox. Transitions become points of the <c>alert</c> measurement that
/// travel with the message to the store (and the spool), so a transition is as durable as the
/// readings that caused it; notifications are fsynced into the outbox before the message can be
/// acknowledged. One lock keeps evaluator, book and outbox in step, so a snapshot is consistent.
/// </summary>
/// <remarks>
/// State: saved to <c>DataDirectory/state/alerts.json</c> every <c>Alerts:StateSaveInterval</c>
/// when something changed, after an acknowledgement or a rules reload, and on a graceful stop
/// (after the ingest queue drained). At start the snapshot is restored, then the book replays the
/// outbox's notifications made after it: after a crash the book knows every alert it announced,
/// and the evaluator's evidence is at most one save interval old (see docs/decisions.md).
/// </remarks>
public sealed partial class AlertPipeline(
    AlertRuleSet ruleSet,
    AlertBook book,
    NotificationOutbox outbox,
    AlertStateStore store,
    IOptions<AlertOptions> options,
    IOptions<AlertEvaluatorOptions> evaluatorOptions,
    TimeProvider time,
    IngestMetrics metrics,
    ILogger<AlertPipeline> logger)
{
    private readonly Lock _gate = new();
    private AlertEvaluator _evaluator = new(ruleSet.Rules, time, evaluatorOptions.Value);
    private bool _dirty;
    private DateTimeOffset _savedAt = time.GetUtcNow();

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
        lock (_gate)
        {
            var saved = store.Load();
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

            metrics.AlertsFiring.Set(book.Firing().Count);
        }
    }

    /// <summary>Evaluates accepted readings; returns the <c>alert</c> points to store with them.</summary>
    public IReadOnlyList<string> Observe(IReadOnlyList<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        if (readings.Count == 0)
        {
            return [];
        }

        lock (_gate)
        {
            List<AlertTransition>? transitions = null;
            foreach (var reading in readings)
            {
                if (_evaluator.Observe(reading) is { Count: > 0 } found)
                {
                    (transitions ??= []).AddRange(found);
                }
            }

            return transitions is null ? [] : Record(transitions);
        }
    }

    /// <summary>
    /// What the clock shows: silent devices, repeats, settled flaps, the end of a backlog, a
    /// changed rules file; saves the state when due. Returns the <c>alert</c> points to store.
    /// </summary>
    public IReadOnlyList<string> Tick()
    {
        lock (_gate)
        {
            var lines = new List<string>();
            if (ruleSet.TryReload())
            {
                lines.AddRange(Reload());
            }

            lines.AddRange(Record(_evaluator.Tick()));
            Send(book.Tick());
            if (_dirty && time.GetUtcNow() - _savedAt >= options.Value.StateSaveInterval)
            {
                Save();
            }

            return lines;
        }
    }

    /// <summary>An officer acknowledges a firing alert; saved at once.</summary>
    public AcknowledgeOutcome Acknowledge(string alertId, string by, string? comment, out AlertInstance? alert)
    {
        lock (_gate)
        {
            var outcome = book.Acknowledge(alertId, by, comment, out alert);
            if (outcome == AcknowledgeOutcome.Acknowledged)
            {
                LogAcknowledged(logger, alertId, by);
                Save();
            }

            return outcome;
        }
    }

    /// <summary>Writes the state file now (the graceful stop calls it after the drain).</summary>
    public void Save()
    {
        lock (_gate)
        {
            var file = new AlertStateFile(AlertStateFile.CurrentVersion, time.GetUtcNow(), book.Snapshot(), _evaluator.Snapshot());
            store.Save(file);
            outbox.SnapshotSaved(file.Book.LastSequence);
            metrics.AlertStateSaves.Inc();
            _savedAt = file.SavedAt;
            _dirty = false;
        }
    }

    /// <summary>
    /// Swaps in an evaluator for the new rules: states of unchanged rules carry over (same name
    /// and fingerprint), alerts of removed or changed rules end (resolved, reason rule-changed).
    /// </summary>
    private List<string> Reload()
    {
        var old = _evaluator;
        var next = new AlertEvaluator(ruleSet.Rules, time, evaluatorOptions.Value);
        var result = next.Restore(old.Snapshot());
        var kept = ruleSet.Rules.ToDictionary(r => r.Name, AlertEvaluator.FingerprintOf, StringComparer.Ordinal);
        var before = old.Rules.ToDictionary(r => r.Name, AlertEvaluator.FingerprintOf, StringComparer.Ordinal);
        var notifications = book.RetireRules(
            name => !kept.TryGetValue(name, out var fingerprint) || !before.TryGetValue(name, out var previous) || fingerprint != previous,
            out var ended);
        _evaluator = next;
        Send(notifications);
        LogReloadApplied(logger, ruleSet.Rules.Count, result.Restored, result.RuleChanged, ended.Count);
        foreach (var rule in next.NotEvaluated)
        {
            LogNotEvaluated(logger, rule.Name, rule.Line);
        }

        _dirty = true;
        return [.. ended.Select(a => LineProtocol.FormatAlert(new AlertTransition(
            a.Rule, a.Severity, a.Kind, a.Site, a.Device, a.Metric, AlertState.Firing, AlertState.Resolved, a.Value, a.Threshold, a.EndsAt!.Value, Late: false)))];
    }

    private List<string> Record(IReadOnlyList<AlertTransition> transitions)
    {
        var lines = new List<string>(transitions.Count);
        foreach (var transition in transitions)
        {
            metrics.AlertTransitions.WithLabels(transition.To.ToString().ToLowerInvariant()).Inc();
            lines.Add(LineProtocol.FormatAlert(transition));
        }

        if (transitions.Count > 0)
        {
            _dirty = true;
            Send(book.Apply(transitions));
        }

        return lines;
    }

    private void Send(IReadOnlyList<AlertNotification> notifications)
    {
        if (notifications.Count == 0)
        {
            return;
        }

        // Durable before anything else happens: the message is acknowledged only later.
        outbox.Append(notifications);
        _dirty = true;
        metrics.AlertsFiring.Set(book.Firing().Count);
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
}
