using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Delivery;

namespace EcoMonitor.Notifications.Channels;

/// <summary>
/// Posts each message as JSON to any HTTP endpoint (type <c>webhook</c>, docs/notifications.md#webhook); the format
/// is in docs/notifications.md.
/// </summary>
/// <remarks>
/// <para>Body (UTF-8 JSON): <c>{"version": "1", "key", "channel", "site", "title", "text",
/// "language", "alerts": [...]}</c>; each alert has <c>id</c> (the alert instance), <c>key</c> (the
/// notification's idempotency key), <c>rule</c>, <c>state</c> (<c>firing</c>/<c>resolved</c>),
/// <c>reason</c>, <c>severity</c>, <c>kind</c>, <c>site</c>, <c>device</c>, <c>metric</c>,
/// <c>value</c>, <c>threshold</c>, <c>startsAt</c>, <c>endsAt</c> (null while firing),
/// <c>createdAt</c>, <c>late</c>, <c>group</c>, <c>heldEpisodes</c>, <c>acknowledgement</c>,
/// <c>title</c> (the message's title) and <c>text</c> (the alert's rendered line, Markdown).</para>
/// <para>Headers: <c>Content-Type: application/json</c>, <c>Idempotency-Key: {message key}</c> (the
/// same on every retry of the same message), the configured <see cref="ChannelOptions.Headers"/>,
/// and, when <see cref="ChannelOptions.Secret"/> is set, the signature
/// <c>X-EcoMonitor-Signature: sha256=&lt;hex&gt;</c>: the HMAC-SHA256 of the exact bytes of the
/// request body, keyed with the UTF-8 bytes of the secret, as 64 lower-case hexadecimal digits after
/// the literal prefix <c>sha256=</c> (the scheme of GitHub's <c>X-Hub-Signature-256</c>). A receiver
/// computes it over the raw body as received, before parsing it, and compares in constant time.</para>
/// <para>Answers: 2xx delivered; 408, 429 and 5xx retryable, with <c>Retry-After</c> (seconds or an
/// HTTP date) when given; other 4xx not retryable.</para>
/// </remarks>
internal sealed partial class WebhookChannel(ChannelOptions options, HttpClient http, TimeProvider time, ILogger<WebhookChannel> logger) : INotificationChannel
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string SignatureHeader = "X-EcoMonitor-Signature";
    public const string SignaturePrefix = "sha256=";

    private readonly Uri _url = RequireUrl(options);

    public string Name => options.Name;

    public async Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = Body(message);
        using var request = HttpChannelSupport.Post(_url, body, charset: false);
        foreach (var (name, value) in options.Headers)
        {
            if (!IsReserved(name))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Headers.TryAddWithoutValidation(IdempotencyHeader, message.Key);
        if (!string.IsNullOrEmpty(options.Secret))
        {
            request.Headers.TryAddWithoutValidation(SignatureHeader, Signature(body, options.Secret));
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var reply = await HttpChannelSupport.ReadAsync(response, cancellationToken);
            throw HttpChannelSupport.StatusRefusal($"webhook {_url.GetLeftPart(UriPartial.Authority)}", response, reply, time);
        }

        LogDelivered(logger, Name, message.Key, message.Notifications.Count, (int)response.StatusCode);
    }

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of <paramref name="body"/> keyed with the UTF-8 bytes of <paramref name="secret"/>.</summary>
    public static string Signature(ReadOnlySpan<byte> body, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return SignaturePrefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
    }

    /// <summary>The request body, exactly as it is signed and sent.</summary>
    internal static byte[] Body(NotificationMessage message) => HttpChannelSupport.Json(w =>
    {
        var rendered = message.Rendered;
        w.WriteStartObject();
        w.WriteString("version", "1");
        w.WriteString("key", message.Key);
        w.WriteString("channel", message.Channel);
        w.WriteString("site", message.Site);
        w.WriteString("title", rendered.Title);
        w.WriteString("text", rendered.Text);
        w.WriteString("language", rendered.Language);
        w.WriteStartArray("alerts");
        for (var i = 0; i < message.Notifications.Count; i++)
        {
            WriteAlert(w, message.Notifications[i], rendered.Title, i < rendered.Lines.Count ? rendered.Lines[i] : null);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void WriteAlert(Utf8JsonWriter w, AlertNotification n, string title, string? line)
    {
        w.WriteStartObject();
        w.WriteString("id", n.AlertId);
        w.WriteString("key", n.Key);
        w.WriteString("rule", n.Rule);
        w.WriteString("state", n.State == NotificationState.Firing ? "firing" : "resolved");
        w.WriteString("reason", JsonNamingPolicy.KebabCaseLower.ConvertName(n.Reason.ToString()));
        w.WriteString("severity", n.Severity.ToName());
        w.WriteString("kind", n.Kind.ToName());
        w.WriteString("site", n.Site);
        w.WriteString("device", n.Device);
        w.WriteString("metric", n.Metric);
        Number(w, "value", n.Value);
        Number(w, "threshold", n.Threshold);
        w.WriteString("startsAt", n.StartsAt.ToUniversalTime());
        if (n.EndsAt is { } end)
        {
            w.WriteString("endsAt", end.ToUniversalTime());
        }
        else
        {
            w.WriteNull("endsAt");
        }

        w.WriteString("createdAt", n.CreatedAt.ToUniversalTime());
        w.WriteBoolean("late", n.Late);
        w.WriteString("group", n.Group);
        w.WriteNumber("heldEpisodes", n.HeldEpisodes);
        if (n.Acknowledgement is { } ack)
        {
            w.WriteStartObject("acknowledgement");
            w.WriteString("by", ack.By);
            w.WriteString("at", ack.At.ToUniversalTime());
            w.WriteString("comment", ack.Comment);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("acknowledgement");
        }

        w.WriteString("title", title);
        w.WriteString("text", line);
        w.WriteEndObject();
    }

    /// <summary>JSON has no NaN or infinity: those are written as null.</summary>
    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>Headers the channel sets itself; configured ones of these names are ignored.</summary>
    private static bool IsReserved(string name) =>
        name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
        || name.Equals(IdempotencyHeader, StringComparison.OrdinalIgnoreCase)
        || name.Equals(SignatureHeader, StringComparison.OrdinalIgnoreCase);

    private static Uri RequireUrl(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Url ?? throw new InvalidOperationException($"channel '{options.Name}': Url (where to post) is required for a webhook");
    }

    [LoggerMessage(EventId = 7310, Level = LogLevel.Debug, Message = "[{Channel}] webhook accepted message {Key} ({Count} notification(s)): HTTP {Status}")]
    private static partial void LogDelivered(ILogger logger, string channel, string key, int count, int status);
}
