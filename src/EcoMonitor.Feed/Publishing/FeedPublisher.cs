using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Audit;
using EcoMonitor.Feed.Chains;
using EcoMonitor.Feed.Storage;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Runtime.Health;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Feed.Publishing;

/// <summary>
/// Turns the outbox into the feed (docs/feed.md#where-the-feed-gets-its-alerts): a durable
/// consumer with its own cursor, outside routes and silences, so an officer's silence or routing
/// never holds a public warning back, and what the engine announced before a crash is published
/// after it. Each round applies the notifications after the cursor and the clock to a copy of the
/// state, writes the new messages, then the index, and only then moves the cursor and serves the
/// new state.
/// </summary>
/// <remarks>
/// A round the disk refuses (full) is logged, counted (<c>ecomonitor_disk_write_failures_total{store="feed"}</c>),
/// raises readiness condition <c>feed-disk</c> and is tried again after a backoff with the cursor
/// where it was; the files it wrote are deleted (never published). The loop is supervised: an
/// exception is logged, counted and the loop restarted.
/// </remarks>
internal sealed partial class FeedPublisher : BackgroundService
{
    /// <summary>The feed's cursor in the outbox (beside the channels' cursors).</summary>
    public const string CursorName = "~feed";

    public const string DiskCondition = FeedStore.DiskStore + "-disk";

    private const int MaxPerRound = 500;
    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    private readonly IOutboxConsumer _outbox;
    private readonly FeedStore _store;
    private readonly FeedBook _book;
    private readonly TimeProvider _time;
    private readonly FeedMetrics _metrics;
    private readonly ReadinessConditions _readiness;
    private readonly ILogger<FeedPublisher> _logger;
    private readonly Lock _round = new();

    // cap records of committed rounds, appended outside the round's lock.
    private readonly PendingAuditRecords _audit;

    // identifier → leaf index of its cap record (docs/feed.md#audit-leaf): replaced whole, read by the index.
    private readonly Lock _leavesGate = new();
    private readonly Dictionary<string, long> _appendedLeaves = new(StringComparer.Ordinal);
    private volatile IReadOnlyDictionary<string, long> _leaves;
    private bool _leavesDirty;
    private volatile FeedState _state;
    private volatile bool _backlog;
    private System.Threading.Channels.ChannelReader<bool>? _signal;

    public FeedPublisher(IOutboxConsumer outbox, FeedStore store, IOptions<FeedOptions> options, TimeProvider time, FeedMetrics metrics, ReadinessConditions readiness, ILogger<FeedPublisher> logger, IAuditTrail trail)
    {
        ArgumentNullException.ThrowIfNull(options);
        _outbox = outbox;
        _store = store;
        _book = new FeedBook(options.Value);
        _time = time;
        _metrics = metrics;
        _readiness = readiness;
        _logger = logger;
        _audit = new PendingAuditRecords(trail, OnAppended);
        _state = store.Load();
        _leaves = Named(store.LoadLeaves(), _state);
        Options = options.Value;
        UpdateGauges(_state);
    }

    /// <summary>The published state: never changed once set (readers may hold it).</summary>
    public FeedState Current => _state;

    public FeedOptions Options { get; }

    public TimeZoneInfo Zone => _book.Zone;

    public FeedStore Store => _store;

    /// <summary>The leaf index of the message's <c>cap</c> record in the audit log, once it is durable; null before, or with auditing off.</summary>
    public long? AuditLeaf(string identifier) => _leaves.TryGetValue(identifier, out var index) ? index : null;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Registered before the host runs, so the cursor exists before the first notification.
        _signal = _outbox.Register(CursorName);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// One round: the pending notifications and the clock. Returns false when the disk refused it
    /// (nothing changed, the cursor did not move).
    /// </summary>
    public bool RunRound()
    {
        lock (_round)
        {
            _signal ??= _outbox.Register(CursorName);
            var now = _time.GetUtcNow();
            var current = _state;
            var pending = _outbox.Pending(CursorName, MaxPerRound);
            var next = current.Copy();
            var round = new FeedRound();
            foreach (var n in pending)
            {
                if (n.Sequence > current.LastSequence)
                {
                    _book.Apply(next, n, now, round);
                }
            }

            _book.Tick(next, now, round);
            if (round.Changed && !Commit(next, round))
            {
                return false;
            }

            if (_audit.Enabled)
            {
                var at = _time.GetUtcNow();
                _audit.Add(round.Drafts.Select(d => CapAuditRecords.Published(d.Entry.Identifier, d.Bytes, at)));
            }

            if (!round.Changed)
            {
                // Nothing to save (notifications of rules that are not public): only the position moves.
                _state = next;
            }

            _backlog = pending.Count == MaxPerRound;

            Report(round);
            if (pending.Count > 0)
            {
                _outbox.MarkDelivered(CursorName, pending[^1].Sequence);
            }

            return true;
        }
    }

    /// <summary>
    /// Appends the <c>cap</c> records of the rounds run so far (after each round; docs/audit.md#records).
    /// Those the trail refuses stay for the next call.
    /// </summary>
    public async Task AppendAuditAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _audit.AppendPendingAsync(cancellationToken);
        }
        finally
        {
            SaveLeaves();
        }
    }

    private void OnAppended(AuditRecord record, long index)
    {
        if (index >= 0 && record.Type == AuditRecordTypes.Cap && record.Fields.TryGetValue("identifier", out var value) && value is string identifier)
        {
            lock (_leavesGate)
            {
                _appendedLeaves[identifier] = index;
            }
        }
    }

    /// <summary>
    /// Adds the leaves appended since the last call, drops those of messages that left the index,
    /// and writes the file; a disk that refuses it is counted and the write tried after the next
    /// round (the leaves are served meanwhile).
    /// </summary>
    private void SaveLeaves()
    {
        Dictionary<string, long> next;
        lock (_leavesGate)
        {
            if (_appendedLeaves.Count == 0 && !_leavesDirty && _leaves.Keys.All(Current.Contains))
            {
                return;
            }

            next = new Dictionary<string, long>(_leaves, StringComparer.Ordinal);
            foreach (var (identifier, index) in _appendedLeaves)
            {
                next[identifier] = index;
            }

            _appendedLeaves.Clear();
            next = Named(next, Current);
            _leaves = next;
            _leavesDirty = true;
        }

        try
        {
            _store.SaveLeaves(next);
            lock (_leavesGate)
            {
                _leavesDirty = !ReferenceEquals(_leaves, next);
            }
        }
        catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
        {
            _metrics.Runtime.DiskWriteFailures.WithLabels(FeedStore.DiskStore).Inc();
            _metrics.Failures.WithLabels("disk").Inc();
            LogLeavesNotSaved(_logger, _store.LeavesPath, ex.Message);
        }
    }

    private static Dictionary<string, long> Named(Dictionary<string, long> leaves, FeedState state) =>
        leaves.Where(l => state.Contains(l.Key)).ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunAsync(stoppingToken);
                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Whatever a round throws, the feed must keep publishing.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                backoff = Next(backoff);
                _metrics.Failures.WithLabels("crash").Inc();
                LogCrashed(_logger, ex, backoff);
                await Task.Delay(backoff, _time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            var ran = RunRound();
            await AppendAuditAsync(stoppingToken);
            if (ran)
            {
                backoff = TimeSpan.Zero;
                wait = _backlog ? TimeSpan.Zero : TickInterval;
            }
            else
            {
                wait = backoff = Next(backoff);
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var signal = _signal!;
            try
            {
                // A backoff waits it out whatever arrives; otherwise a new notification wakes the round at once.
                await (backoff > TimeSpan.Zero
                    ? Task.Delay(wait, _time, cts.Token)
                    : Task.WhenAny(signal.WaitToReadAsync(cts.Token).AsTask(), Task.Delay(wait, _time, cts.Token)));
            }
            finally
            {
                await cts.CancelAsync();
                while (signal.TryRead(out _))
                {
                    // One wake-up covers everything appended so far.
                }
            }
        }
    }

    private bool Commit(FeedState next, FeedRound round)
    {
        try
        {
            foreach (var draft in round.Drafts)
            {
                _store.Write(draft.Entry.Identifier, draft.Bytes);
            }

            _store.Save(next);
        }
        catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
        {
            foreach (var draft in round.Drafts)
            {
                _store.Delete(draft.Entry.Identifier);
            }

            _metrics.Runtime.DiskWriteFailures.WithLabels(FeedStore.DiskStore).Inc();
            _metrics.Failures.WithLabels("disk").Inc();
            _readiness.Raise(DiskCondition, $"the public feed cannot be written: {ex.Message}");
            LogWriteFailed(_logger, ex, _store.Directory, round.Drafts.Count);
            return false;
        }

        _state = next;
        if (_readiness.IsRaised(DiskCondition))
        {
            _readiness.Clear(DiskCondition);
            LogWriteRecovered(_logger, _store.Directory);
        }

        foreach (var (identifier, reason) in round.Deleted)
        {
            _store.Delete(identifier);
            _metrics.Pruned.WithLabels(reason).Inc();
        }

        UpdateGauges(next);
        return true;
    }

    private void Report(FeedRound round)
    {
        foreach (var draft in round.Drafts)
        {
            _metrics.Messages.WithLabels(draft.Entry.MsgType, draft.Entry.Reason).Inc();
            LogPublished(_logger, draft.Entry.Identifier, draft.Entry.MsgType, draft.Entry.Reason, draft.Chain.Rule, draft.Chain.Site, draft.Entry.CapSeverity);
        }

        foreach (var withheld in round.Withheld)
        {
            _metrics.Withheld.WithLabels(withheld.Reason).Inc();
            LogWithheld(_logger, withheld.Rule, withheld.Site, withheld.Reason);
        }
    }

    private void UpdateGauges(FeedState state)
    {
        _metrics.Chains.WithLabels("active").Set(state.Chains.Count(c => c.Active));
        _metrics.Chains.WithLabels("ended").Set(state.Chains.Count(c => !c.Active));
    }

    private static TimeSpan Next(TimeSpan backoff) =>
        backoff == TimeSpan.Zero ? MinBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));

    [LoggerMessage(EventId = 7960, Level = LogLevel.Information, Message = "Feed: CAP message {Identifier} published ({MsgType}, {Reason}) for rule {Rule} at site {Site}, severity {Severity}")]
    private static partial void LogPublished(ILogger logger, string identifier, string msgType, string reason, string rule, string site, string severity);

    [LoggerMessage(EventId = 7961, Level = LogLevel.Warning, Message = "Feed: a public alert of rule {Rule} at site {Site} is not published ({Reason}; see docs/feed.md#withheld)")]
    private static partial void LogWithheld(ILogger logger, string rule, string site, string reason);

    [LoggerMessage(EventId = 7962, Level = LogLevel.Error, Message = "Feed {Directory}: {Count} message(s) or the index could not be written; nothing published, tried again after a backoff (the outbox keeps the notifications)")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string directory, int count);

    [LoggerMessage(EventId = 7963, Level = LogLevel.Information, Message = "Feed {Directory} is written again")]
    private static partial void LogWriteRecovered(ILogger logger, string directory);

    [LoggerMessage(EventId = 7965, Level = LogLevel.Warning, Message = "Feed: the audit leaf indices could not be written to {Path}; tried again after the next round: {Reason}")]
    private static partial void LogLeavesNotSaved(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 7964, Level = LogLevel.Error, Message = "Feed: the publishing loop failed; restarting it in {Backoff}")]
    private static partial void LogCrashed(ILogger logger, Exception exception, TimeSpan backoff);
}
