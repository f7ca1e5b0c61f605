using System.Text;
using EcoMonitor.Notifications;

namespace EcoMonitor.Notifications.Channels;

/// <summary>
/// Sends each message to a WeCom (企业微信) group through a group robot's webhook (type
/// <c>wecom</c>) as a Markdown message; the details are in docs/notifications.md.
/// </summary>
/// <remarks>
/// <para>Body: <c>{"msgtype": "markdown", "markdown": {"content"}}</c>, the content being the
/// rendered Markdown. WeCom allows at most <see cref="MaxContentBytes"/> bytes of UTF-8 content: a
/// longer message keeps as many whole lines (<see cref="Templates.RenderedMessage.Lines"/>) as fit
/// and ends with "… and N more" (in the message's language). <see cref="ChannelOptions.Mentions"/>
/// are WeCom user ids, mentioned as <c>&lt;@userid&gt;</c> on the last line of the content (the only
/// mention a Markdown message supports). WeCom Markdown cannot mention everyone: with
/// <see cref="ChannelOptions.MentionAllOnCritical"/> and a critical alert firing, a short text
/// message (the title, <c>mentioned_list: ["@all"]</c>) follows the Markdown one; if that one fails
/// it is logged, not retried (the alert itself was delivered).</para>
/// <para>No signature: the key in the webhook URL is the secret (never logged).</para>
/// <para>Answers: <c>errcode</c> 0 is delivered; see <see cref="Refusal"/> for the rest.</para>
/// </remarks>
internal sealed partial class WeComChannel(ChannelOptions options, HttpClient http, TimeProvider time, ILogger<WeComChannel> logger) : INotificationChannel
{
    /// <summary>WeCom's limit on <c>markdown.content</c>: "最长不超过4096个字节，必须是utf8编码" (over it: errcode 40058).</summary>
    public const int MaxContentBytes = 4096;

    /// <summary>WeCom's limit on <c>text.content</c>.</summary>
    public const int MaxTextBytes = 2048;

    private static readonly string[] CodeNames = ["errcode"];
    private static readonly string[] MessageNames = ["errmsg"];

    private readonly Uri _url = RequireUrl(options);

    public string Name => options.Name;

    public async Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (content, kept) = Content(message, options.Mentions);
        if (kept < message.Notifications.Count)
        {
            LogCut(logger, Name, message.Key, kept, message.Notifications.Count, MaxContentBytes);
        }

        await PostAsync(Markdown(content), cancellationToken);
        LogDelivered(logger, Name, message.Key, message.Notifications.Count);

        if (options.MentionAllOnCritical && HttpChannelSupport.AnyFiringCritical(message))
        {
            try
            {
                await PostAsync(MentionAll(message.Rendered.Title), cancellationToken);
            }
            catch (Exception ex) when (ex is ChannelDeliveryException or HttpRequestException or IOException or OperationCanceledException)
            {
                // Not thrown: the dispatcher would send the delivered Markdown message again.
                LogMentionAllFailed(logger, Name, message.Key, ex.Message);
            }
        }
    }

    /// <summary>
    /// The Markdown content within <see cref="MaxContentBytes"/>, and how many notifications it lists:
    /// all of them, or the first ones and a "… and N more" line. Mentions, when any, are the last line.
    /// </summary>
    public static (string Content, int Kept) Content(NotificationMessage message, IReadOnlyList<string> mentions)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(mentions);
        var suffix = mentions.Count > 0 ? "\n" + string.Join(' ', mentions.Select(m => $"<@{m}>")) : string.Empty;
        var (content, kept) = HttpChannelSupport.Fit(
            message.Rendered.Lines.Count,
            k => HttpChannelSupport.Markdown(message.Rendered, k).TrimEnd('\n') + suffix,
            c => Encoding.UTF8.GetByteCount(c) <= MaxContentBytes);

        // Not even the title fits (a title of kilobytes): cut it, rather than be refused for ever.
        return (HttpChannelSupport.CutUtf8(content, MaxContentBytes), kept);
    }

    /// <summary>
    /// What a non-zero <c>errcode</c> means (null for 0). Retryable after
    /// <see cref="HttpChannelSupport.RateLimitWait"/> unless the reply said otherwise: 45009 (api freq
    /// out of limit: over 20 messages a minute) and 45011 (calls too frequent). Retryable at once: -1
    /// (system busy), 45033 (too many concurrent calls) and codes not listed here. Not retryable:
    /// 93xxx (the webhook: invalid webhook url — wrong or deleted key —, robot disabled, not in the
    /// group) and the other 40xxx–45xxx (invalid or too long content, invalid message type: the same
    /// request will be refused again).
    /// </summary>
    public static ChannelDeliveryException? Refusal(long errcode, string errmsg, TimeSpan? retryAfter)
    {
        var what = $"WeCom refused the message: errcode {errcode} ({HttpChannelSupport.Excerpt(errmsg)})";
        return errcode switch
        {
            0 => null,
            45009 or 45011 => new ChannelDeliveryException(what, retryable: true, retryAfter ?? HttpChannelSupport.RateLimitWait),
            -1 or 45033 => new ChannelDeliveryException(what, retryable: true, retryAfter),
            (>= 93000 and < 94000) or (>= 40000 and < 46000) => new ChannelDeliveryException(what, retryable: false),
            _ => new ChannelDeliveryException(what, retryable: true, retryAfter),
        };
    }

    internal static byte[] Markdown(string content) => HttpChannelSupport.Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("msgtype", "markdown");
        w.WriteStartObject("markdown");
        w.WriteString("content", content);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    internal static byte[] MentionAll(string title) => HttpChannelSupport.Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("msgtype", "text");
        w.WriteStartObject("text");
        w.WriteString("content", HttpChannelSupport.CutUtf8(title, MaxTextBytes));
        w.WriteStartArray("mentioned_list");
        w.WriteStringValue("@all");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private async Task PostAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var request = HttpChannelSupport.Post(_url, body, charset: true);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var reply = await HttpChannelSupport.ReadAsync(response, cancellationToken);
        if (!HttpChannelSupport.TryReadCode(reply, CodeNames, MessageNames, out var code, out var errmsg))
        {
            throw response.IsSuccessStatusCode
                ? new ChannelDeliveryException($"WeCom answered HTTP {(int)response.StatusCode} without an errcode: {HttpChannelSupport.Excerpt(reply)}", retryable: true)
                : HttpChannelSupport.StatusRefusal("WeCom", response, reply, time);
        }

        if (Refusal(code, errmsg, HttpChannelSupport.RetryAfter(response, time)) is { } refusal)
        {
            throw refusal;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw HttpChannelSupport.StatusRefusal("WeCom", response, reply, time);
        }
    }

    private static Uri RequireUrl(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Url ?? throw new InvalidOperationException($"channel '{options.Name}': Url (the robot's webhook, https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…) is required");
    }

    [LoggerMessage(EventId = 7330, Level = LogLevel.Debug, Message = "[{Channel}] WeCom accepted message {Key} ({Count} notification(s))")]
    private static partial void LogDelivered(ILogger logger, string channel, string key, int count);

    [LoggerMessage(EventId = 7331, Level = LogLevel.Information, Message = "[{Channel}] message {Key}: {Kept} of {Count} notifications fit WeCom's {Limit}-byte limit; the rest are counted in a last line")]
    private static partial void LogCut(ILogger logger, string channel, string key, int kept, int count, int limit);

    [LoggerMessage(EventId = 7332, Level = LogLevel.Warning, Message = "[{Channel}] message {Key} was delivered, but the @all text message for its critical alert was not: {Reason}")]
    private static partial void LogMentionAllFailed(ILogger logger, string channel, string key, string reason);
}
