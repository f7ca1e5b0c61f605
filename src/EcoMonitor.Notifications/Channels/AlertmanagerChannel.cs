using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Notifications.Templates;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Notifications.Channels;

/// <summary>
/// Hands alerts to a Prometheus Alertmanager (type <c>alertmanager</c>):
/// <c>POST {Url}/api/v2/alerts</c> with a JSON array of postable alerts, so that its routing,
/// silences, inhibition and receivers take over from there.
/// </summary>
/// <remarks>
/// <para>Labels: <c>alertname</c> (the rule), <c>severity</c>, <c>site</c>, <c>device</c>,
/// <c>kind</c>, <c>metric</c> (absent for a deadman rule) and <c>alert_id</c>, which makes each
/// firing episode its own Alertmanager alert. Annotations: <c>summary</c> (the rendered line, plain
/// text, in the channel's language and time zone), <c>description</c> (the rule's description — the
/// standard its limit comes from — when it has one), <c>value</c>, <c>threshold</c>.
/// <c>startsAt</c> is the event time the alert started; <c>endsAt</c> is sent only for a resolved
/// alert (the time it ended); <c>generatorURL</c> links the officers' page when
/// <see cref="NotificationOptions.PublicUrl"/> is set.</para>
/// <para>Alertmanager resolves an alert it has not heard of for its <c>resolve_timeout</c>, so
/// firing alerts are posted again every <see cref="ChannelOptions.ResendInterval"/>
/// (<see cref="IPeriodicChannel"/>). The channel cannot know which alerts the routes would send it,
/// so it re-posts exactly the alerts it has itself delivered as firing and not yet as resolved,
/// intersected with what <see cref="AlertBook.Firing"/> says is firing now. That set lives in
/// memory, bounded by <see cref="MaxTracked"/> (the oldest are dropped first, with a warning).
/// After a restart it is empty: alerts delivered before the restart are not re-posted until their
/// next notification (a repeat, a severity change, the end), and Alertmanager may resolve them
/// after its <c>resolve_timeout</c> meanwhile.</para>
/// <para>A severity change keeps the alert id but changes the <c>severity</c> label, which is
/// another alert to Alertmanager: the old one is posted as resolved in the same request.</para>
/// <para>Answers: 2xx delivered; 400 (the alerts were refused as invalid) and other 4xx are not
/// retryable, except 408 and 429; 5xx are retryable, with <c>Retry-After</c> when given.</para>
/// </remarks>
internal sealed partial class AlertmanagerChannel(
    ChannelOptions options,
    HttpClient http,
    NotificationFormatter formatter,
    AlertBook book,
    IOptions<NotificationOptions> notificationOptions,
    TimeProvider time,
    ILogger<AlertmanagerChannel> logger,
    NotificationOutbox? outbox = null,
    NotificationRouter? router = null) : INotificationChannel, IPeriodicChannel, IDisposable
{
    private bool _seeded;

    /// <summary>At most this many alerts are remembered for re-posting.</summary>
    public const int MaxTracked = 10_000;

    /// <summary>Alerts per request when re-posting.</summary>
    private const int ResendBatch = 500;

    private const int MaxErrorExcerpt = 300;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Uri _endpoint = Endpoint(options);
    private readonly TimeZoneInfo _zone = TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone ?? notificationOptions.Value.TimeZone);

    // One request at a time: a re-post must not overtake the resolution it raced with (Alertmanager
    // would take the re-posted firing alert as a new one and fire it again).
    private readonly SemaphoreSlim _posting = new(1, 1);

    // Alert id → the firing alert as last posted; insertion order is age, for eviction.
    private readonly OrderedDictionary<string, PostableAlert> _sent = new(StringComparer.Ordinal);

    public string Name => options.Name;

    public TimeSpan Interval => options.ResendInterval;

    /// <summary>Alerts delivered as firing and not yet as resolved (what <see cref="TickAsync"/> may re-post).</summary>
    public int TrackedCount
    {
        get
        {
            lock (_sent)
            {
                return _sent.Count;
            }
        }
    }

    public async Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var zh = message.Rendered.Language != NotificationFormatter.English;
        await _posting.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var batch = new List<PostableAlert>();
            var firing = new Dictionary<string, PostableAlert>(StringComparer.Ordinal);
            var resolved = new HashSet<string>(StringComparer.Ordinal);
            foreach (var n in message.Notifications)
            {
                var alert = ToPostable(n, zh, now);
                var previous = firing.GetValueOrDefault(n.AlertId) ?? Tracked(n.AlertId);
                if (previous is not null && !SameLabels(previous.Labels, alert.Labels))
                {
                    // Severity changed: to Alertmanager that is another alert; end the old one.
                    batch.Add(previous with { EndsAt = Later(alert.EndsAt ?? now, previous.StartsAt) });
                }

                batch.Add(alert);
                if (n.State == NotificationState.Firing)
                {
                    firing[n.AlertId] = alert;
                    resolved.Remove(n.AlertId);
                }
                else
                {
                    firing.Remove(n.AlertId);
                    resolved.Add(n.AlertId);
                }
            }

            var posted = LastPerLabelSet(batch);
            await PostAsync(posted, cancellationToken);
            LogDelivered(logger, Name, posted.Count, message.Key);
            Track(firing, resolved);
        }
        finally
        {
            _posting.Release();
        }
    }

    /// <summary>
    /// Posts again every firing alert this channel delivered and <see cref="AlertBook.Firing"/>
    /// still lists; forgets those the book no longer lists (their resolution comes as a notification,
    /// or went to other channels; Alertmanager ends them after its resolve_timeout meanwhile).
    /// </summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await _posting.WaitAsync(cancellationToken);
        try
        {
            if (!_seeded)
            {
                _seeded = true;
                Seed();
            }

            var firing = book.Firing().Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
            List<PostableAlert> resend;
            int forgotten;
            lock (_sent)
            {
                var gone = _sent.Keys.Where(id => !firing.Contains(id)).ToList();
                foreach (var id in gone)
                {
                    _sent.Remove(id);
                }

                forgotten = gone.Count;
                resend = [.. _sent.Values];
            }

            foreach (var chunk in resend.Chunk(ResendBatch))
            {
                await PostAsync(chunk, cancellationToken);
            }

            LogResent(logger, Name, resend.Count, forgotten);
        }
        finally
        {
            _posting.Release();
        }
    }

    public void Dispose() => _posting.Dispose();

    /// <summary>
    /// After a restart the set of alerts this channel delivered is empty, and Alertmanager would
    /// resolve them on its own <c>resolve_timeout</c>. The outbox knows better: an alert still
    /// firing whose last notification up to this channel's cursor was a firing one, routed here
    /// and not silenced, was delivered here; it is tracked again and re-posted with the others.
    /// </summary>
    private void Seed()
    {
        if (outbox is null)
        {
            return;
        }

        outbox.Register(Name);
        var cursor = outbox.DeliveredTo(Name);
        var firing = book.Firing();

        // One pass back through the journal for all of them, not one per alert.
        var lastOf = outbox.LastOf([.. firing.Select(a => a.Id)], cursor);
        var zh = (options.Language ?? notificationOptions.Value.Language) != NotificationFormatter.English;
        var now = time.GetUtcNow();
        var seeded = 0;
        lock (_sent)
        {
            foreach (var alert in firing)
            {
                if (_sent.ContainsKey(alert.Id) || _sent.Count >= MaxTracked)
                {
                    continue;
                }

                var last = lastOf.GetValueOrDefault(alert.Id);
                if (last is { State: NotificationState.Firing }
                    && (router is null || (router.Routes(last, Name) && !router.IsSilenced(last, last.CreatedAt))))
                {
                    _sent[alert.Id] = ToPostable(last, zh, now);
                    seeded++;
                }
            }
        }

        if (seeded > 0)
        {
            LogSeeded(logger, Name, seeded);
        }
    }

    private static Uri Endpoint(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var url = options.Url ?? throw new InvalidOperationException($"channel '{options.Name}': Url (the Alertmanager's base URL) is required");
        var text = url.ToString();
        return new Uri(new Uri(text.EndsWith('/') ? text : text + "/"), "api/v2/alerts");
    }

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static DateTimeOffset Later(DateTimeOffset at, DateTimeOffset notBefore) => at < notBefore ? notBefore : at;

    /// <summary>Alertmanager keys alerts by their label set: of several in one request, the last one counts.</summary>
    private static List<PostableAlert> LastPerLabelSet(List<PostableAlert> batch)
    {
        var result = new List<PostableAlert>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (!batch.Skip(i + 1).Any(later => SameLabels(later.Labels, batch[i].Labels)))
            {
                result.Add(batch[i]);
            }
        }

        return result;
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    private PostableAlert ToPostable(AlertNotification n, bool zh, DateTimeOffset now)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = n.Rule,
            ["severity"] = n.Severity.ToName(),
            ["site"] = n.Site,
            ["device"] = n.Device,
            ["kind"] = n.Kind.ToName(),
            ["alert_id"] = n.AlertId,
        };
        if (!string.IsNullOrEmpty(n.Metric))
        {
            labels["metric"] = n.Metric;
        }

        var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["summary"] = formatter.Line(n, zh, _zone, markdown: false),
            ["value"] = Number(n.Value),
            ["threshold"] = Number(n.Threshold),
        };
        if (n.Description is { Length: > 0 } description)
        {
            annotations["description"] = description;
        }

        DateTimeOffset? endsAt = n.State == NotificationState.Resolved
            ? Later(n.EndsAt ?? now, n.StartsAt).ToUniversalTime()
            : null;
        var link = notificationOptions.Value.PublicUrl is { } url ? new Uri(url, $"alerts/{n.AlertId}").ToString() : null;
        return new PostableAlert(labels, annotations, n.StartsAt.ToUniversalTime(), endsAt, link);
    }

    private PostableAlert? Tracked(string alertId)
    {
        lock (_sent)
        {
            return _sent.GetValueOrDefault(alertId);
        }
    }

    private void Track(Dictionary<string, PostableAlert> firing, HashSet<string> resolved)
    {
        var evicted = 0;
        lock (_sent)
        {
            foreach (var id in resolved)
            {
                _sent.Remove(id);
            }

            foreach (var (id, alert) in firing)
            {
                // Re-inserted at the end: the most recently announced is the last to be evicted.
                _sent.Remove(id);
                _sent.Add(id, alert);
            }

            while (_sent.Count > MaxTracked)
            {
                _sent.RemoveAt(0);
                evicted++;
            }
        }

        if (evicted > 0)
        {
            LogEvicted(logger, Name, evicted, MaxTracked);
        }
    }

    private async Task PostAsync(IReadOnlyCollection<PostableAlert> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0)
        {
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(alerts, Json))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
            },
        };
        foreach (var (name, value) in options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var retryable = status >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
        var detail = await response.Content.ReadAsStringAsync(cancellationToken);
        if (detail.Length > MaxErrorExcerpt)
        {
            detail = detail[..MaxErrorExcerpt] + "…";
        }

        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - time.GetUtcNow() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero,
            _ => (TimeSpan?)null,
        };
        throw new ChannelDeliveryException(
            $"Alertmanager at {_endpoint.GetLeftPart(UriPartial.Authority)} answered {status} {response.ReasonPhrase}: {detail.Trim()}",
            retryable,
            retryAfter);
    }

    [LoggerMessage(EventId = 7601, Level = LogLevel.Debug, Message = "[{Channel}] posted {Count} alert(s) to Alertmanager for message {Key}")]
    private static partial void LogDelivered(ILogger logger, string channel, int count, string key);

    [LoggerMessage(EventId = 7602, Level = LogLevel.Debug, Message = "[{Channel}] re-posted {Count} firing alert(s) to Alertmanager; {Forgotten} no longer firing forgotten")]
    private static partial void LogResent(ILogger logger, string channel, int count, int forgotten);

    [LoggerMessage(EventId = 7604, Level = LogLevel.Information, Message = "[{Channel}] {Count} firing alert(s) delivered before the restart tracked again for re-posting")]
    private static partial void LogSeeded(ILogger logger, string channel, int count);

    [LoggerMessage(EventId = 7603, Level = LogLevel.Warning, Message = "[{Channel}] more than {Max} firing alerts delivered: the {Count} oldest are no longer re-posted, and Alertmanager resolves them after its resolve_timeout")]
    private static partial void LogEvicted(ILogger logger, string channel, int count, int max);

    /// <summary>Alertmanager's <c>postableAlert</c> (API v2).</summary>
    internal sealed record PostableAlert(
        [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string> Labels,
        [property: JsonPropertyName("annotations")] IReadOnlyDictionary<string, string> Annotations,
        [property: JsonPropertyName("startsAt")] DateTimeOffset StartsAt,
        [property: JsonPropertyName("endsAt")] DateTimeOffset? EndsAt,
        [property: JsonPropertyName("generatorURL")] string? GeneratorUrl);
}
