using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EcoMonitor.Notifications;

namespace EcoMonitor.Notifications.Channels;

/// <summary>
/// Sends each message to a DingTalk (钉钉) group through a custom robot's webhook (type
/// <c>dingtalk</c>) as a Markdown message; the details are in docs/notifications.md.
/// </summary>
/// <remarks>
/// <para>Body: <c>{"msgtype": "markdown", "markdown": {"title", "text"}, "at": {"atMobiles",
/// "isAtAll"}}</c>. <c>title</c> is the rendered title (the preview in the chat list), <c>text</c>
/// the rendered Markdown. <see cref="ChannelOptions.Mentions"/> (mobile numbers) go to
/// <c>atMobiles</c> and, as DingTalk only notifies those named in the text too, as <c>@mobile</c> on
/// the last line; <c>isAtAll</c> is set when <see cref="ChannelOptions.MentionAllOnCritical"/> and
/// a critical alert is firing in the message.</para>
/// <para>Signature (the robot's 加签 setting; when <see cref="ChannelOptions.Secret"/> is set):
/// <c>timestamp</c> = milliseconds since the Unix epoch (from the <see cref="TimeProvider"/>),
/// string to sign = <c>"{timestamp}\n{secret}"</c>, sign = Base64(HMAC-SHA256(key = UTF-8 secret,
/// data = UTF-8 string to sign)), URL-encoded; both appended to the webhook URL as
/// <c>&amp;timestamp=…&amp;sign=…</c>. DingTalk refuses a timestamp more than an hour off its
/// clock. Each attempt is signed afresh.</para>
/// <para>Limits: the body must stay within 20,000 bytes: a longer message keeps as many whole lines
/// as fit and says how many were left out. 20 messages a minute per robot (over it, DingTalk
/// throttles the robot for a while).</para>
/// <para>Answers: HTTP 200 with <c>errcode</c> 0 is delivered; see <see cref="Refusal"/> for the rest.</para>
/// </remarks>
internal sealed partial class DingTalkChannel(ChannelOptions options, HttpClient http, TimeProvider time, ILogger<DingTalkChannel> logger) : INotificationChannel
{
    /// <summary>DingTalk refuses larger bodies ("body 大小不合法 … 请保持大小在 20000bytes 以内").</summary>
    public const int MaxBodyBytes = 20_000;

    private static readonly string[] CodeNames = ["errcode"];
    private static readonly string[] MessageNames = ["errmsg"];

    private readonly Uri _url = RequireUrl(options);

    public string Name => options.Name;

    public async Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var atAll = options.MentionAllOnCritical && HttpChannelSupport.AnyFiringCritical(message);
        var (body, kept) = HttpChannelSupport.Fit(
            message.Rendered.Lines.Count,
            k => Body(message, k, options.Mentions, atAll),
            b => b.Length <= MaxBodyBytes);
        if (kept < message.Notifications.Count)
        {
            LogCut(logger, Name, message.Key, kept, message.Notifications.Count, MaxBodyBytes);
        }

        using var request = HttpChannelSupport.Post(SignedUrl(_url, options.Secret, time.GetUtcNow()), body, charset: true);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var reply = await HttpChannelSupport.ReadAsync(response, cancellationToken);
        if (!HttpChannelSupport.TryReadCode(reply, CodeNames, MessageNames, out var code, out var errmsg))
        {
            throw response.IsSuccessStatusCode
                ? new ChannelDeliveryException($"DingTalk answered HTTP {(int)response.StatusCode} without an errcode: {HttpChannelSupport.Excerpt(reply)}", retryable: true)
                : HttpChannelSupport.StatusRefusal("DingTalk", response, reply, time);
        }

        if (Refusal(code, errmsg, HttpChannelSupport.RetryAfter(response, time)) is { } refusal)
        {
            throw refusal;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw HttpChannelSupport.StatusRefusal("DingTalk", response, reply, time);
        }

        LogDelivered(logger, Name, message.Key, message.Notifications.Count);
    }

    /// <summary>
    /// The <c>sign</c> parameter before URL encoding: Base64(HMAC-SHA256(key = secret,
    /// data = <c>"{timestampMs}\n{secret}"</c>)), both UTF-8, as DingTalk documents it.
    /// </summary>
    public static string Sign(long timestampMs, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var data = Encoding.UTF8.GetBytes(timestampMs.ToString(CultureInfo.InvariantCulture) + "\n" + secret);
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data));
    }

    /// <summary>The webhook URL with <c>timestamp</c> and the URL-encoded <c>sign</c> appended; unchanged without a secret.</summary>
    public static Uri SignedUrl(Uri url, string? secret, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (string.IsNullOrEmpty(secret))
        {
            return url;
        }

        var timestamp = now.ToUnixTimeMilliseconds();
        var separator = string.IsNullOrEmpty(url.Query) ? "?" : "&";
        return new Uri($"{url.AbsoluteUri}{separator}timestamp={timestamp.ToString(CultureInfo.InvariantCulture)}&sign={Uri.EscapeDataString(Sign(timestamp, secret))}");
    }

    /// <summary>
    /// What a non-zero <c>errcode</c> means (null for 0). Retryable, after
    /// <see cref="HttpChannelSupport.RateLimitWait"/> unless the reply said otherwise: 130101 (send
    /// too fast, over 20 a minute) and 410100 (throttled). Retryable at once: -1 (system busy) and
    /// codes not listed here. Not retryable — the robot or its settings must change first: 310000
    /// (the security settings refused the message: keyword missing, IP not allowed, signature wrong
    /// or timestamp more than an hour off), 300xxx (token/robot unknown), 400xxx (group dissolved,
    /// access_token unknown, robot disabled or gone, message type not supported), 430xxx (content
    /// refused as unsafe or inappropriate), 40035 and 43004 (malformed request).
    /// </summary>
    public static ChannelDeliveryException? Refusal(long errcode, string errmsg, TimeSpan? retryAfter)
    {
        var what = $"DingTalk refused the message: errcode {errcode} ({HttpChannelSupport.Excerpt(errmsg)})";
        return errcode switch
        {
            0 => null,
            130101 or 410100 => new ChannelDeliveryException(what, retryable: true, retryAfter ?? HttpChannelSupport.RateLimitWait),
            -1 => new ChannelDeliveryException(what, retryable: true, retryAfter),
            310000 or 40035 or 43004 or (>= 300000 and < 310000) or (>= 400000 and < 410000) or (>= 430000 and < 440000)
                => new ChannelDeliveryException(what, retryable: false),
            _ => new ChannelDeliveryException(what, retryable: true, retryAfter),
        };
    }

    /// <summary>The body with the first <paramref name="kept"/> lines of the message.</summary>
    internal static byte[] Body(NotificationMessage message, int kept, IReadOnlyList<string> mentions, bool atAll)
    {
        var text = HttpChannelSupport.Markdown(message.Rendered, kept);
        if (mentions.Count > 0)
        {
            text = text.TrimEnd('\n') + "\n\n" + string.Join(' ', mentions.Select(m => "@" + m));
        }

        return HttpChannelSupport.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("msgtype", "markdown");
            w.WriteStartObject("markdown");
            w.WriteString("title", message.Rendered.Title);
            w.WriteString("text", text);
            w.WriteEndObject();
            w.WriteStartObject("at");
            w.WriteStartArray("atMobiles");
            foreach (var mobile in mentions)
            {
                w.WriteStringValue(mobile);
            }

            w.WriteEndArray();
            w.WriteBoolean("isAtAll", atAll);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static Uri RequireUrl(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Url ?? throw new InvalidOperationException($"channel '{options.Name}': Url (the robot's webhook, https://oapi.dingtalk.com/robot/send?access_token=…) is required");
    }

    [LoggerMessage(EventId = 7320, Level = LogLevel.Debug, Message = "[{Channel}] DingTalk accepted message {Key} ({Count} notification(s))")]
    private static partial void LogDelivered(ILogger logger, string channel, string key, int count);

    [LoggerMessage(EventId = 7321, Level = LogLevel.Information, Message = "[{Channel}] message {Key}: {Kept} of {Count} notifications fit DingTalk's {Limit}-byte limit; the rest are counted in a last line")]
    private static partial void LogCut(ILogger logger, string channel, string key, int kept, int count, int limit);
}
