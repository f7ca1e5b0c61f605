using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Notifications;

namespace EcoMonitor.Notifications.Channels;

/// <summary>
/// Sends each message to a Feishu (飞书) or Lark group through a custom bot's webhook (type
/// <c>feishu</c>) as an interactive card; the details are in docs/notifications.md.
/// </summary>
/// <remarks>
/// <para>Body: <c>{"timestamp", "sign", "msg_type": "interactive", "card": {"config", "header":
/// {"title", "template"}, "elements": [...]}}</c>. The header is the rendered title, its colour
/// (<see cref="Template"/>) red while a critical alert fires, orange for a warning, blue for info,
/// green when everything in the message has resolved. One <c>div</c> with a <c>lark_md</c> text holds
/// the lines; mentions (<see cref="ChannelOptions.Mentions"/>, open ids, as <c>&lt;at id=…&gt;</c>;
/// <c>&lt;at id=all&gt;</c> when <see cref="ChannelOptions.MentionAllOnCritical"/> and a critical
/// alert fires) are a second one.</para>
/// <para>Signature (when <see cref="ChannelOptions.Secret"/> is set), in the body:
/// <c>timestamp</c> = seconds since the Unix epoch, as a string (from the <see cref="TimeProvider"/>);
/// <c>sign</c> = Base64(HMAC-SHA256(key = UTF-8 <c>"{timestamp}\n{secret}"</c>, data = nothing)) —
/// the string is the key and the message is empty, unlike DingTalk. Feishu refuses a timestamp more
/// than an hour off its clock. Each attempt is signed afresh.</para>
/// <para>Limits: the body must stay within 20 KB (<see cref="MaxBodyBytes"/>): a longer message keeps
/// as many whole lines as fit and says how many were left out. 100 messages a minute and 5 a second
/// per bot.</para>
/// <para>Answers: <c>code</c> 0 (older replies: <c>StatusCode</c> 0) is delivered; see
/// <see cref="Refusal"/> for the rest.</para>
/// </remarks>
internal sealed partial class FeishuChannel(ChannelOptions options, HttpClient http, TimeProvider time, ILogger<FeishuChannel> logger) : INotificationChannel
{
    /// <summary>Feishu: "the request body data size cannot exceed 20 KB" (kept a little under 20 KiB).</summary>
    public const int MaxBodyBytes = 20_000;

    private static readonly string[] CodeNames = ["code", "StatusCode"];
    private static readonly string[] MessageNames = ["msg", "StatusMessage"];

    private readonly Uri _url = RequireUrl(options);

    public string Name => options.Name;

    public async Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mentions = Mentions(options.Mentions, options.MentionAllOnCritical && HttpChannelSupport.AnyFiringCritical(message));
        string? timestamp = null;
        string? sign = null;
        if (!string.IsNullOrEmpty(options.Secret))
        {
            var seconds = time.GetUtcNow().ToUnixTimeSeconds();
            timestamp = seconds.ToString(CultureInfo.InvariantCulture);
            sign = Sign(seconds, options.Secret);
        }

        var (body, kept) = HttpChannelSupport.Fit(
            message.Rendered.Lines.Count,
            k => Body(message, k, mentions, timestamp, sign),
            b => b.Length <= MaxBodyBytes);
        if (kept < message.Notifications.Count)
        {
            LogCut(logger, Name, message.Key, kept, message.Notifications.Count, MaxBodyBytes);
        }

        using var request = HttpChannelSupport.Post(_url, body, charset: true);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var reply = await HttpChannelSupport.ReadAsync(response, cancellationToken);
        if (!HttpChannelSupport.TryReadCode(reply, CodeNames, MessageNames, out var code, out var msg))
        {
            throw response.IsSuccessStatusCode
                ? new ChannelDeliveryException($"Feishu answered HTTP {(int)response.StatusCode} without a code: {HttpChannelSupport.Excerpt(reply)}", retryable: true)
                : HttpChannelSupport.StatusRefusal("Feishu", response, reply, time);
        }

        if (Refusal(code, msg, HttpChannelSupport.RetryAfter(response, time)) is { } refusal)
        {
            throw refusal;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw HttpChannelSupport.StatusRefusal("Feishu", response, reply, time);
        }

        LogDelivered(logger, Name, message.Key, message.Notifications.Count);
    }

    /// <summary>
    /// <c>sign</c>: Base64(HMAC-SHA256(key = UTF-8 <c>"{timestampSeconds}\n{secret}"</c>, data = empty)),
    /// as Feishu documents it (its samples: <c>hmac.new(string_to_sign.encode("utf-8"), digestmod=hashlib.sha256)</c>).
    /// </summary>
    public static string Sign(long timestampSeconds, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var key = Encoding.UTF8.GetBytes(timestampSeconds.ToString(CultureInfo.InvariantCulture) + "\n" + secret);
        return Convert.ToBase64String(HMACSHA256.HashData(key, Array.Empty<byte>()));
    }

    /// <summary>The header colour: red while a critical alert fires, orange a warning, blue info; green when all have resolved.</summary>
    public static string Template(IReadOnlyList<AlertNotification> notifications)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        var firing = notifications.Where(n => n.State == NotificationState.Firing).ToList();
        if (firing.Count == 0)
        {
            return "green";
        }

        return firing.Max(n => n.Severity) switch
        {
            AlertSeverity.Critical => "red",
            AlertSeverity.Warning => "orange",
            _ => "blue",
        };
    }

    /// <summary>
    /// What a non-zero <c>code</c> means (null for 0). Retryable after
    /// <see cref="HttpChannelSupport.RateLimitWait"/> unless the reply said otherwise: 11232 and 11233
    /// (frequency limited) and 9499 when its message says "too many request". 9499 otherwise is
    /// "Bad Request" (a malformed or too large body): not retryable. Not retryable either, the bot's
    /// settings or the request must change first: 19021 (sign match fail, or timestamp more than an
    /// hour off), 19022 (IP not allowed), 19024 (keywords not found) and the other 19xxx (invalid
    /// parameters). Anything else is retried.
    /// </summary>
    public static ChannelDeliveryException? Refusal(long code, string msg, TimeSpan? retryAfter)
    {
        var what = $"Feishu refused the message: code {code} ({HttpChannelSupport.Excerpt(msg)})";
        return code switch
        {
            0 => null,
            11232 or 11233 => new ChannelDeliveryException(what, retryable: true, retryAfter ?? HttpChannelSupport.RateLimitWait),
            9499 when msg.Contains("too many", StringComparison.OrdinalIgnoreCase) => new ChannelDeliveryException(what, retryable: true, retryAfter ?? HttpChannelSupport.RateLimitWait),
            9499 or (>= 19000 and < 20000) => new ChannelDeliveryException(what, retryable: false),
            _ => new ChannelDeliveryException(what, retryable: true, retryAfter),
        };
    }

    /// <summary>The body with the first <paramref name="kept"/> lines of the message.</summary>
    internal static byte[] Body(NotificationMessage message, int kept, string? mentions, string? timestamp, string? sign)
    {
        var rendered = message.Rendered;
        var lines = new StringBuilder();
        foreach (var line in rendered.Lines.Take(kept))
        {
            lines.Append(lines.Length > 0 ? "\n" : string.Empty).Append(line);
        }

        if (kept < rendered.Lines.Count)
        {
            lines.Append(lines.Length > 0 ? "\n" : string.Empty).Append(HttpChannelSupport.MoreLine(rendered.Lines.Count - kept, rendered.Language));
        }

        return HttpChannelSupport.Json(w =>
        {
            w.WriteStartObject();
            if (timestamp is not null && sign is not null)
            {
                w.WriteString("timestamp", timestamp);
                w.WriteString("sign", sign);
            }

            w.WriteString("msg_type", "interactive");
            w.WriteStartObject("card");
            w.WriteStartObject("config");
            w.WriteBoolean("wide_screen_mode", true);
            w.WriteEndObject();
            w.WriteStartObject("header");
            w.WriteStartObject("title");
            w.WriteString("tag", "plain_text");
            w.WriteString("content", rendered.Title);
            w.WriteEndObject();
            w.WriteString("template", Template(message.Notifications));
            w.WriteEndObject();
            w.WriteStartArray("elements");
            Markdown(w, lines.ToString());
            if (mentions is not null)
            {
                Markdown(w, mentions);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static void Markdown(Utf8JsonWriter w, string content)
    {
        w.WriteStartObject();
        w.WriteString("tag", "div");
        w.WriteStartObject("text");
        w.WriteString("tag", "lark_md");
        w.WriteString("content", content);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string? Mentions(IReadOnlyList<string> openIds, bool all)
    {
        var tags = (all ? openIds.Prepend("all") : openIds).Select(id => $"<at id={id}></at>").ToList();
        return tags.Count > 0 ? string.Join(' ', tags) : null;
    }

    private static Uri RequireUrl(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Url ?? throw new InvalidOperationException($"channel '{options.Name}': Url (the bot's webhook, https://open.feishu.cn/open-apis/bot/v2/hook/…) is required");
    }

    [LoggerMessage(EventId = 7340, Level = LogLevel.Debug, Message = "[{Channel}] Feishu accepted message {Key} ({Count} notification(s))")]
    private static partial void LogDelivered(ILogger logger, string channel, string key, int count);

    [LoggerMessage(EventId = 7341, Level = LogLevel.Information, Message = "[{Channel}] message {Key}: {Kept} of {Count} notifications fit Feishu's {Limit}-byte limit; the rest are counted in a last line")]
    private static partial void LogCut(ILogger logger, string channel, string key, int kept, int count, int limit);
}
