using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Templates;

namespace EcoMonitor.Notifications.Channels;

/// <summary>
/// What the HTTP channels (<see cref="WebhookChannel"/>, <see cref="DingTalkChannel"/>,
/// <see cref="WeComChannel"/>, <see cref="FeishuChannel"/>) share: the JSON writer, the meaning of
/// an HTTP status, <c>Retry-After</c>, a bounded read of the reply, and cutting a long message down
/// to a size limit at line boundaries.
/// </summary>
internal static class HttpChannelSupport
{
    /// <summary>
    /// How long to wait after a chat robot said "too fast": their documented windows are per
    /// minute (DingTalk, WeCom: 20 messages a minute; Feishu: 100 a minute, 5 a second).
    /// </summary>
    public static readonly TimeSpan RateLimitWait = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Non-ASCII text (Chinese) is written as UTF-8, not as <c>\uXXXX</c> escapes: the robots'
    /// limits are in bytes, and an escape takes six for a character's three. <c>&lt;</c> and
    /// <c>&gt;</c> stay as they are (WeCom's <c>&lt;@userid&gt;</c>, Feishu's <c>&lt;at&gt;</c>);
    /// the body is JSON for an API, never embedded in HTML.
    /// </summary>
    public static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>At most this much of a reply is read.</summary>
    private const int MaxReplyBytes = 64 * 1024;

    /// <summary>At most this much of a reply goes into an exception message (which is logged).</summary>
    private const int MaxExcerpt = 300;

    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer, Writer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A POST of <paramref name="body"/> as <c>application/json</c> (with <c>charset=utf-8</c> when <paramref name="charset"/>).</summary>
    public static HttpRequestMessage Post(Uri url, byte[] body, bool charset)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = charset ? "utf-8" : null };
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
    }

    /// <summary>
    /// Whether a retry can help after this status: 408, 429 and 5xx can; other 4xx cannot (the same
    /// request will be refused again). Anything else that is not 2xx — a redirect not followed, an
    /// informational status — is taken as a passing disturbance.
    /// </summary>
    public static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status is < 400 or >= 500;

    /// <summary><c>Retry-After</c> as seconds or as an HTTP date (then measured from <paramref name="time"/>'s now; never negative).</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date - time.GetUtcNow() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>The reply body as text, at most <see cref="MaxReplyBytes"/> of it.</summary>
    public static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxReplyBytes];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken) is > 0 and var n)
        {
            read += n;
        }

        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>The start of a reply on one line, for an exception message.</summary>
    public static string Excerpt(string text)
    {
        var flat = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return flat.Length > MaxExcerpt ? flat[..MaxExcerpt] + "…" : flat;
    }

    /// <summary>A refusal by HTTP status alone (the reply carried no code the channel understands).</summary>
    public static ChannelDeliveryException StatusRefusal(string destination, HttpResponseMessage response, string reply, TimeProvider time)
    {
        var status = (int)response.StatusCode;
        var excerpt = Excerpt(reply);
        return new ChannelDeliveryException(
            $"{destination} answered HTTP {status} {response.ReasonPhrase}{(excerpt.Length > 0 ? ": " + excerpt : string.Empty)}",
            IsRetryable(response.StatusCode),
            RetryAfter(response, time));
    }

    /// <summary>
    /// A chat robot's answer code and message, from the first of <paramref name="codeNames"/> present
    /// in a JSON object (as a number, or a string holding one) and the first of
    /// <paramref name="messageNames"/>. False when the reply is not such an object.
    /// </summary>
    public static bool TryReadCode(string reply, string[] codeNames, string[] messageNames, out long code, out string message)
    {
        code = 0;
        message = string.Empty;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(reply);
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var found = false;
            foreach (var name in codeNames)
            {
                if (document.RootElement.TryGetProperty(name, out var value)
                    && ((value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out code))
                        || (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out code))))
                {
                    found = true;
                    break;
                }
            }

            foreach (var name in messageNames)
            {
                if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    message = value.GetString() ?? string.Empty;
                    break;
                }
            }

            return found;
        }
    }

    /// <summary>Whether any notification announces a critical alert firing (what <see cref="ChannelOptions.MentionAllOnCritical"/> is about; its end is not).</summary>
    public static bool AnyFiringCritical(NotificationMessage message) =>
        message.Notifications.Any(n => n.State == NotificationState.Firing && n.Severity == AlertSeverity.Critical);

    /// <summary>The line that stands for the notifications left out: "… and 12 more" / "… 另有 12 条未列出".</summary>
    public static string MoreLine(int count, string language) =>
        language == NotificationFormatter.English ? $"… and {count} more" : $"… 另有 {count} 条未列出";

    /// <summary>
    /// The rendered Markdown with only its first <paramref name="kept"/> lines, the rest summarised by
    /// <see cref="MoreLine"/>; all of them: <see cref="RenderedMessage.Markdown"/> itself. The layout is
    /// the formatter's: a level-3 heading, a blank line, one list item per notification.
    /// </summary>
    public static string Markdown(RenderedMessage rendered, int kept)
    {
        if (kept >= rendered.Lines.Count)
        {
            return rendered.Markdown;
        }

        var b = new StringBuilder().Append("### ").Append(rendered.Title).Append("\n\n");
        foreach (var line in rendered.Lines.Take(kept))
        {
            b.Append("- ").Append(line).Append('\n');
        }

        return b.Append('\n').Append(MoreLine(rendered.Lines.Count - kept, rendered.Language)).Append('\n').ToString();
    }

    /// <summary>
    /// The most leading lines of <paramref name="count"/> whose rendering fits:
    /// <paramref name="render"/>(k) is the message with the first k lines (and a
    /// <see cref="MoreLine"/> when k &lt; count), <paramref name="fits"/> says whether it is within the
    /// limit. Size grows with k, so a binary search finds it in a few renderings. When not even the
    /// title alone fits, that is returned (the caller may cut further or let the destination refuse).
    /// </summary>
    public static (T Rendering, int Kept) Fit<T>(int count, Func<int, T> render, Func<T, bool> fits)
    {
        var all = render(count);
        if (fits(all))
        {
            return (all, count);
        }

        var best = render(0);
        var kept = 0;
        var low = 1;
        var high = count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var candidate = render(middle);
            if (fits(candidate))
            {
                best = candidate;
                kept = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return (best, kept);
    }

    /// <summary>The longest prefix of <paramref name="text"/> within <paramref name="maxBytes"/> UTF-8 bytes, never splitting a character.</summary>
    public static string CutUtf8(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var bytes = 0;
        var end = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            end += rune.Utf16SequenceLength;
        }

        return text[..end];
    }
}
