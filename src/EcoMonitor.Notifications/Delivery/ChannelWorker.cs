using System.Threading.Channels;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Audit;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Notifications.Templates;
using Polly;
using Polly.CircuitBreaker;

namespace EcoMonitor.Notifications.Delivery;

/// <summary>
/// Delivers the outbox to one channel, in order, at least once: routes and silences filter,
/// notifications of one site within the grouping window become one message, the rate limit makes
/// messages wait, the resilience pipeline retries, and what still fails is tried again after a
/// backoff until the expiry policy gives it up. The channel's cursor moves only over
/// notifications that are done (sent, skipped, given up or expired), so a restart resends at most
/// what was in flight. Each outcome is appended to the audit trail before the notification is
/// done (docs/audit.md#records); a trail that throws fails the round, and the supervisor runs it again.
/// </summary>
internal sealed partial class ChannelWorker
{
    private const int MaxPending = 5000;

    private readonly INotificationChannel _channel;
    private readonly ChannelOptions _channelOptions;
    private readonly NotificationOutbox _outbox;
    private readonly NotificationRouter _router;
    private readonly NotificationFormatter _formatter;
    private readonly NotificationOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly TokenBucket? _bucket;
    private readonly ResilienceTuning _tuning;
    private readonly TimeProvider _time;
    private readonly NotificationMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ChannelHealth? _health;
    private readonly HashSet<long> _done = [];
    private readonly IAuditTrail _trail;

    // Audit: notifications recorded as handed to this channel, and failed attempts, until done.
    private readonly HashSet<long> _handed = [];
    private readonly Dictionary<long, int> _attempts = [];
    private readonly ChannelReader<bool> _signal;
    private TimeSpan _backoff;
    private DateTimeOffset _notBefore;

    public ChannelWorker(
        INotificationChannel channel,
        ChannelOptions channelOptions,
        NotificationOutbox outbox,
        NotificationRouter router,
        NotificationFormatter formatter,
        NotificationOptions options,
        ResilienceTuning tuning,
        TimeProvider time,
        NotificationMetrics metrics,
        ILogger logger,
        ChannelHealth? health = null,
        IAuditTrail? trail = null)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(channelOptions);
        ArgumentNullException.ThrowIfNull(outbox);
        _channel = channel;
        _channelOptions = channelOptions;
        _outbox = outbox;
        _router = router;
        _formatter = formatter;
        _options = options;
        _tuning = tuning;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _health = health;
        _trail = trail ?? AuditTrail.None;
        _pipeline = ChannelResilience.Build(channelOptions, time, tuning);
        var rate = channelOptions.RatePerMinute ?? DefaultRatePerMinute(channelOptions.Type);
        _bucket = rate is { } perMinute ? new TokenBucket(perMinute, time) : null;
        _signal = outbox.Register(channel.Name);
    }

    public string Name => _channel.Name;

    /// <summary>Chat robots refuse more than 20 messages a minute (DingTalk, WeCom, Feishu document it).</summary>
    public static int? DefaultRatePerMinute(string type) => type is "dingtalk" or "wecom" or "feishu" ? 20 : null;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan? wake;
            try
            {
                wake = await RoundAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            await WaitAsync(wake, cancellationToken);
        }
    }

    /// <summary>
    /// One pass over what is pending: sends every group that is due and allowed. Returns when the
    /// worker must look again without being signalled (a group window closing, the rate limit, a
    /// backoff), or null when only a new notification can change anything.
    /// </summary>
    public async Task<TimeSpan?> RoundAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var pending = _outbox.Pending(Name, MaxPending);
        var groups = new List<Group>();
        var open = new Dictionary<string, Group>(StringComparer.Ordinal);
        foreach (var n in pending)
        {
            if (_done.Contains(n.Sequence))
            {
                continue;
            }

            if (now - n.CreatedAt > _options.MaxAge)
            {
                await AuditAsync([n], DeliveryAuditRecords.Outcomes.Expired, cancellationToken);
                _metrics.NotificationsExpired.WithLabels(Name).Inc();
                LogExpired(_logger, Name, n.AlertId, n.Sequence, _options.MaxAge);
                _done.Add(n.Sequence);
            }
            else if (!_router.Routes(n, Name))
            {
                _metrics.NotificationsSkipped.WithLabels(Name, "unrouted").Inc();
                _done.Add(n.Sequence);
            }
            else if (_router.IsSilenced(n, now))
            {
                await AuditAsync([n], DeliveryAuditRecords.Outcomes.Silenced, cancellationToken);
                _metrics.NotificationsSkipped.WithLabels(Name, "silenced").Inc();
                LogSilenced(_logger, Name, n.AlertId, n.Sequence);
                _done.Add(n.Sequence);
            }
            else
            {
                if (_trail.Enabled && _handed.Add(n.Sequence))
                {
                    await AuditAsync([n], DeliveryAuditRecords.Outcomes.Handed, cancellationToken);
                }

                // Engine groups (a backlog, a settled flap) stay whole; the rest group by site.
                var key = n.Group ?? $"site:{n.Site}";
                if (!open.TryGetValue(key, out var group) || group.Items.Count >= _options.MaxGroupSize)
                {
                    open[key] = group = new Group(key, n.Site, n.Group is not null);
                    groups.Add(group);
                }

                group.Items.Add(n);
            }
        }

        TimeSpan? wake = null;
        if (now < _notBefore)
        {
            wake = _notBefore - now;
        }
        else
        {
            foreach (var group in groups)
            {
                var age = now - group.Items[0].CreatedAt;
                var full = group.Items.Count >= _options.MaxGroupSize;
                if (!group.FromEngine && !full && age < _options.GroupWindow)
                {
                    wake = Min(wake, _options.GroupWindow - age);
                    continue;
                }

                if (_bucket?.Wait() is { } wait && wait > TimeSpan.Zero)
                {
                    wake = Min(wake, wait);
                    break;
                }

                _bucket?.Take();
                if (!await SendAsync(group, cancellationToken))
                {
                    wake = Min(wake, _notBefore - _time.GetUtcNow());
                    break;
                }
            }
        }

        Advance(pending);
        return wake;
    }

    private async Task<bool> SendAsync(Group group, CancellationToken cancellationToken)
    {
        var items = group.Items;
        var sent = false;
        try
        {
            // Rendering inside the try: whatever fails for this message fails this message only.
            var message = new NotificationMessage(
                Name,
                $"{Name}:{items[0].Sequence}-{items[^1].Sequence}",
                group.Site,
                items,
                _formatter.Render(items, _channelOptions.Language, _channelOptions.TimeZone));
            await _pipeline.ExecuteAsync(static async (state, ct) => await state.Channel.SendAsync(state.Message, ct), (Channel: _channel, Message: message), cancellationToken);
            sent = true;
            await AuditAsync(items, DeliveryAuditRecords.Outcomes.Sent, cancellationToken);
            _metrics.NotificationsSent.WithLabels(Name).Inc(items.Count);
            _metrics.NotificationMessages.WithLabels(Name).Inc();
            _backoff = TimeSpan.Zero;
            _health?.Delivered();
            MarkDone(items);
            return true;
        }
        catch (ChannelDeliveryException ex) when (!ex.Retryable && !sent)
        {
            await AuditAsync(items, DeliveryAuditRecords.Outcomes.GivenUp, cancellationToken, ex);
            _metrics.NotificationsFailed.WithLabels(Name).Inc();
            _metrics.NotificationsGivenUp.WithLabels(Name).Inc(items.Count);
            LogGivenUp(_logger, Name, items.Count, ex.Message);
            _health?.Delivered();
            MarkDone(items);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !sent)
        {
            // Transient (or not understood): try again after a backoff, until the expiry policy says no.
            _metrics.NotificationsFailed.WithLabels(Name).Inc();
            _backoff = _backoff == TimeSpan.Zero ? _tuning.Backoff : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _tuning.MaxBackoff.Ticks));
            var wait = _backoff;
            if (ex is ChannelDeliveryException { RetryAfter: { } after })
            {
                _bucket?.Drain(after);
                wait = after > wait ? after : wait;
            }
            else if (ex is BrokenCircuitException { RetryAfter: { } open })
            {
                wait = open > wait ? open : wait;
            }

            _notBefore = _time.GetUtcNow() + wait;
            _health?.DeliveryFailed(ex, _time.GetUtcNow());
            await AuditAsync(items, DeliveryAuditRecords.Outcomes.Failed, cancellationToken, ex);
            LogFailed(_logger, Name, items.Count, wait, ex.GetType().Name, ex.Message);
            return false;
        }
    }

    /// <summary>
    /// Appends one record per notification. A failed attempt counts towards <c>attempt</c>; an
    /// outcome that ends the notification carries the failed attempts before it.
    /// </summary>
    private async Task AuditAsync(IReadOnlyList<AlertNotification> items, string outcome, CancellationToken cancellationToken, Exception? error = null)
    {
        if (!_trail.Enabled)
        {
            return;
        }

        var at = _time.GetUtcNow();
        foreach (var n in items)
        {
            int? attempt = _attempts.TryGetValue(n.Sequence, out var failed) ? failed : null;
            if (outcome == DeliveryAuditRecords.Outcomes.Failed)
            {
                attempt = _attempts[n.Sequence] = failed + 1;
            }

            await _trail.AppendAsync(DeliveryAuditRecords.Delivery(n, Name, outcome, at, attempt, error), cancellationToken);
        }
    }

    private void MarkDone(List<AlertNotification> items)
    {
        foreach (var n in items)
        {
            _done.Add(n.Sequence);
        }
    }

    /// <summary>Moves the cursor over the leading run of done notifications.</summary>
    private void Advance(IReadOnlyList<AlertNotification> pending)
    {
        var cursor = -1L;
        foreach (var n in pending)
        {
            if (!_done.Contains(n.Sequence))
            {
                break;
            }

            cursor = n.Sequence;
        }

        if (cursor >= 0)
        {
            _outbox.MarkDelivered(Name, cursor);
            _done.RemoveWhere(s => s <= cursor);
            _handed.RemoveWhere(s => s <= cursor);
            foreach (var sequence in _attempts.Keys.Where(s => s <= cursor).ToList())
            {
                _attempts.Remove(sequence);
            }
        }
    }

    private async Task WaitAsync(TimeSpan? wake, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var signalled = _signal.WaitToReadAsync(cts.Token).AsTask();
        try
        {
            if (wake is { } delay)
            {
                await Task.WhenAny(signalled, Task.Delay(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, _time, cts.Token));
            }
            else
            {
                await signalled;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            await cts.CancelAsync();
            while (_signal.TryRead(out _))
            {
                // One wake-up is enough for everything appended so far.
            }
        }
    }

    private static TimeSpan? Min(TimeSpan? a, TimeSpan b) => a is { } x && x < b ? x : b;

    [LoggerMessage(EventId = 7201, Level = LogLevel.Warning, Message = "Channel {Channel}: {Count} notification(s) not delivered ({Error}: {Reason}); next attempt in {Wait}")]
    private static partial void LogFailed(ILogger logger, string channel, int count, TimeSpan wait, string error, string reason);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Error, Message = "Channel {Channel} refused {Count} notification(s) for good: {Reason}")]
    private static partial void LogGivenUp(ILogger logger, string channel, int count, string reason);

    [LoggerMessage(EventId = 7203, Level = LogLevel.Error, Message = "Channel {Channel}: notification {Sequence} of alert {AlertId} expired undelivered after {MaxAge} (Notifications:MaxAge)")]
    private static partial void LogExpired(ILogger logger, string channel, string alertId, long sequence, TimeSpan maxAge);

    [LoggerMessage(EventId = 7204, Level = LogLevel.Debug, Message = "Channel {Channel}: notification {Sequence} of alert {AlertId} silenced")]
    private static partial void LogSilenced(ILogger logger, string channel, string alertId, long sequence);

    private sealed class Group(string key, string site, bool fromEngine)
    {
        public string Key { get; } = key;

        public string Site { get; } = site;

        public bool FromEngine { get; } = fromEngine;

        public List<AlertNotification> Items { get; } = [];
    }
}
