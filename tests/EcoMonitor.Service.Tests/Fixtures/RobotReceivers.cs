using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// Local stand-ins for the destinations of the HTTP notification channels, on one loopback port:
/// a DingTalk custom robot, a WeCom group robot, a Feishu custom bot and a signed webhook receiver.
/// Each checks what the real service checks (token or key, signature and its time window, size
/// limits), answers in the real service's shapes, can be told to refuse the next requests as the
/// real one does when it is sent too much, and records what it accepted. "Now" for the signature
/// windows is the given clock, the one the channels sign with.
/// </summary>
public sealed class RobotReceivers : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RobotReceivers(WebApplication app, TimeProvider clock)
    {
        _app = app;
        DingTalk = new DingTalkRobot(clock);
        WeCom = new WeComRobot();
        Feishu = new FeishuBot(clock);
        Webhook = new WebhookReceiver();
    }

    public DingTalkRobot DingTalk { get; }

    public WeComRobot WeCom { get; }

    public FeishuBot Feishu { get; }

    public WebhookReceiver Webhook { get; }

    public Uri BaseAddress => new(_app.Urls.First());

    /// <summary>The DingTalk robot's webhook, as DingTalk hands it out.</summary>
    public Uri DingTalkUrl(string? token = null) => new(BaseAddress, $"/robot/send?access_token={token ?? DingTalk.Token}");

    /// <summary>The WeCom robot's webhook, as WeCom hands it out.</summary>
    public Uri WeComUrl(string? key = null) => new(BaseAddress, $"/cgi-bin/webhook/send?key={key ?? WeCom.Key}");

    /// <summary>The Feishu bot's webhook, as Feishu hands it out.</summary>
    public Uri FeishuUrl(string? token = null) => new(BaseAddress, $"/open-apis/bot/v2/hook/{token ?? Feishu.Token}");

    public Uri WebhookUrl => new(BaseAddress, "/hooks/eco");

    public static async Task<RobotReceivers> StartAsync(TimeProvider clock, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receivers = new RobotReceivers(app, clock);
        app.MapPost("/robot/send", receivers.DingTalk.HandleAsync);
        app.MapPost("/cgi-bin/webhook/send", receivers.WeCom.HandleAsync);
        app.MapPost("/open-apis/bot/v2/hook/{token}", receivers.Feishu.HandleAsync);
        app.MapPost("/hooks/eco", receivers.Webhook.HandleAsync);
        await app.StartAsync(cancellationToken);
        return receivers;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }

    internal static Task ReplyAsync(HttpContext context, object reply, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(reply), context.RequestAborted);
    }

    internal static bool TryParse(byte[] body, out JsonElement root)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
            return root.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            root = default;
            return false;
        }
    }

    /// <summary>Takes one of the refusals asked for, if any are left.</summary>
    internal static bool TakeOne(ref int remaining)
    {
        var now = Volatile.Read(ref remaining);
        while (now > 0)
        {
            var seen = Interlocked.CompareExchange(ref remaining, now - 1, now);
            if (seen == now)
            {
                return true;
            }

            now = seen;
        }

        return false;
    }
}

/// <summary>What a fake accepted: the parsed body, the raw bytes, the request's headers and query.</summary>
public sealed record AcceptedRequest(JsonElement Body, byte[] Raw, IReadOnlyDictionary<string, string> Headers, string Query);

/// <summary>
/// A DingTalk custom robot (<c>POST /robot/send?access_token=…[&amp;timestamp=…&amp;sign=…]</c>)
/// with the 加签 security setting when <see cref="Secret"/> is set.
/// </summary>
public sealed class DingTalkRobot(TimeProvider clock)
{
    private int _tooFast;

    public string Token { get; } = "ding-" + Guid.NewGuid().ToString("N");

    /// <summary>The robot's signing secret (DingTalk's start with SEC); null: no signature required.</summary>
    public string? Secret { get; set; } = "SEC" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public ConcurrentQueue<AcceptedRequest> Accepted { get; } = new();

    /// <summary>Every request that reached the robot, accepted or not.</summary>
    public int Requests => _requests;

    private int _requests;

    /// <summary>The next <paramref name="count"/> messages are answered as DingTalk answers a robot over 20 messages a minute.</summary>
    public void SendTooFast(int count) => Interlocked.Exchange(ref _tooFast, count);

    /// <summary>The signature as DingTalk computes it: Base64(HMAC-SHA256(key = secret, data = "{timestamp}\n{secret}")).</summary>
    public static string ExpectedSign(string timestamp, string secret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "\n" + secret)));

    internal async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var request = context.Request;
        var body = await RobotReceivers.ReadBodyAsync(request);
        if (request.Query["access_token"] != Token)
        {
            await RobotReceivers.ReplyAsync(context, new { errcode = 300001, errmsg = "token is not exist" });
            return;
        }

        if (Secret is { } secret)
        {
            string timestamp = request.Query["timestamp"].ToString();
            string sign = request.Query["sign"].ToString();
            if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                || Math.Abs(clock.GetUtcNow().ToUnixTimeMilliseconds() - ms) > TimeSpan.FromHours(1).TotalMilliseconds)
            {
                await RobotReceivers.ReplyAsync(context, new { errcode = 310000, errmsg = "invalid timestamp, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]" });
                return;
            }

            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(sign), Encoding.ASCII.GetBytes(ExpectedSign(timestamp, secret))))
            {
                await RobotReceivers.ReplyAsync(context, new { errcode = 310000, errmsg = "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]" });
                return;
            }
        }

        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await RobotReceivers.ReplyAsync(context, new { errcode = 43004, errmsg = "无效的HTTP HEADER Content-Type" });
            return;
        }

        if (RobotReceivers.TakeOne(ref _tooFast))
        {
            await RobotReceivers.ReplyAsync(context, new { errcode = 130101, errmsg = "send too fast, exceed 20 times per minute" });
            return;
        }

        if (!RobotReceivers.TryParse(body, out var root)
            || root.GetProperty("msgtype").GetString() != "markdown"
            || string.IsNullOrEmpty(root.GetProperty("markdown").GetProperty("title").GetString())
            || string.IsNullOrEmpty(root.GetProperty("markdown").GetProperty("text").GetString()))
        {
            await RobotReceivers.ReplyAsync(context, new { errcode = 40035, errmsg = "缺少参数 json" });
            return;
        }

        Accepted.Enqueue(new AcceptedRequest(root, body, Headers(request), request.QueryString.Value ?? string.Empty));
        await RobotReceivers.ReplyAsync(context, new { errcode = 0, errmsg = "ok" });
    }

    internal static Dictionary<string, string> Headers(HttpRequest request) =>
        request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
}

/// <summary>A WeCom group robot (<c>POST /cgi-bin/webhook/send?key=…</c>): the key is the only credential.</summary>
public sealed class WeComRobot
{
    public const int MarkdownLimit = 4096;
    public const int TextLimit = 2048;

    private int _tooFast;
    private int _letThrough;

    public string Key { get; } = Guid.NewGuid().ToString("D");

    public ConcurrentQueue<AcceptedRequest> Accepted { get; } = new();

    /// <summary>
    /// After <paramref name="after"/> more messages, the next <paramref name="count"/> are answered as
    /// WeCom answers a robot over its frequency limit.
    /// </summary>
    public void SendTooFast(int count, int after = 0)
    {
        Interlocked.Exchange(ref _letThrough, after);
        Interlocked.Exchange(ref _tooFast, count);
    }

    internal async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await RobotReceivers.ReadBodyAsync(request);
        var hint = $"hint: [{Guid.NewGuid():N}], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=";
        if (request.Query["key"] != Key)
        {
            await RobotReceivers.ReplyAsync(context, new { errcode = 93000, errmsg = "invalid webhook url, " + hint + "93000" });
            return;
        }

        if (!RobotReceivers.TakeOne(ref _letThrough) && RobotReceivers.TakeOne(ref _tooFast))
        {
            await RobotReceivers.ReplyAsync(context, new { errcode = 45009, errmsg = "api freq out of limit, " + hint + "45009" });
            return;
        }

        if (!RobotReceivers.TryParse(body, out var root) || !root.TryGetProperty("msgtype", out var msgtype))
        {
            await RobotReceivers.ReplyAsync(context, new { errcode = 40008, errmsg = "invalid message type, " + hint + "40008" });
            return;
        }

        var type = msgtype.GetString();
        if (type is not ("markdown" or "text"))
        {
            await RobotReceivers.ReplyAsync(context, new { errcode = 40008, errmsg = "invalid message type, " + hint + "40008" });
            return;
        }

        var content = root.GetProperty(type).GetProperty("content").GetString() ?? string.Empty;
        var limit = type == "markdown" ? MarkdownLimit : TextLimit;
        if (Encoding.UTF8.GetByteCount(content) > limit)
        {
            await RobotReceivers.ReplyAsync(context, new { errcode = 40058, errmsg = $"{type}.content exceed max length {limit}. invalid Request Parameter, " + hint + "40058" });
            return;
        }

        if (content.Length == 0)
        {
            await RobotReceivers.ReplyAsync(context, new { errcode = 44004, errmsg = "empty content, " + hint + "44004" });
            return;
        }

        Accepted.Enqueue(new AcceptedRequest(root, body, DingTalkRobot.Headers(request), request.QueryString.Value ?? string.Empty));
        await RobotReceivers.ReplyAsync(context, new { errcode = 0, errmsg = "ok" });
    }
}

/// <summary>
/// A Feishu custom bot (<c>POST /open-apis/bot/v2/hook/{token}</c>) with the signature check when
/// <see cref="Secret"/> is set and the keyword check when <see cref="Keyword"/> is.
/// </summary>
public sealed class FeishuBot(TimeProvider clock)
{
    /// <summary>"The request body data size cannot exceed 20 KB."</summary>
    public const int BodyLimit = 20 * 1024;

    private int _tooFast;

    public string Token { get; } = Guid.NewGuid().ToString("D");

    public string? Secret { get; set; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=');

    /// <summary>The bot's custom keyword: a message without it is refused (19024).</summary>
    public string? Keyword { get; set; }

    /// <summary>Answer success as older bots did, with <c>StatusCode</c> only.</summary>
    public bool LegacyReplies { get; set; }

    public ConcurrentQueue<AcceptedRequest> Accepted { get; } = new();

    /// <summary>The next <paramref name="count"/> messages are answered as Feishu answers a bot over its frequency limit.</summary>
    public void SendTooFast(int count) => Interlocked.Exchange(ref _tooFast, count);

    /// <summary>The signature as Feishu computes it: Base64(HMAC-SHA256(key = "{timestamp}\n{secret}", data = empty)).</summary>
    public static string ExpectedSign(string timestamp, string secret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp + "\n" + secret), Array.Empty<byte>()));

    internal async Task HandleAsync(HttpContext context, string token)
    {
        var request = context.Request;
        var body = await RobotReceivers.ReadBodyAsync(request);
        if (token != Token)
        {
            await RobotReceivers.ReplyAsync(context, new { code = 19001, msg = "param invalid: incoming webhook access token invalid", data = new { } });
            return;
        }

        if (body.Length > BodyLimit || !RobotReceivers.TryParse(body, out var root))
        {
            await RobotReceivers.ReplyAsync(context, new { code = 9499, msg = "Bad Request", data = new { } });
            return;
        }

        if (Secret is { } secret)
        {
            var timestamp = root.TryGetProperty("timestamp", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : string.Empty;
            var sign = root.TryGetProperty("sign", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : string.Empty;
            if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                || Math.Abs(clock.GetUtcNow().ToUnixTimeSeconds() - seconds) > 3600
                || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(sign), Encoding.ASCII.GetBytes(ExpectedSign(timestamp, secret))))
            {
                await RobotReceivers.ReplyAsync(context, new { code = 19021, msg = "sign match fail or timestamp is not within one hour from current time" });
                return;
            }
        }

        if (Keyword is { } keyword && !Encoding.UTF8.GetString(body).Contains(keyword, StringComparison.Ordinal))
        {
            await RobotReceivers.ReplyAsync(context, new { code = 19024, msg = "Key Words Not Found" });
            return;
        }

        if (RobotReceivers.TakeOne(ref _tooFast))
        {
            await RobotReceivers.ReplyAsync(context, new { code = 11232, msg = "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]" });
            return;
        }

        if (!root.TryGetProperty("msg_type", out var type) || type.GetString() is not ("text" or "post" or "interactive" or "image" or "share_chat"))
        {
            await RobotReceivers.ReplyAsync(context, new { code = 19002, msg = "params error, msg_type need" });
            return;
        }

        Accepted.Enqueue(new AcceptedRequest(root, body, DingTalkRobot.Headers(request), request.QueryString.Value ?? string.Empty));
        object reply = LegacyReplies
            ? new { StatusCode = 0, StatusMessage = "success" }
            : new { StatusCode = 0, StatusMessage = "success", code = 0, data = new { }, msg = "success" };
        await RobotReceivers.ReplyAsync(context, reply);
    }
}

/// <summary>
/// A receiver of EcoMonitor's generic webhook (<c>POST /hooks/eco</c>) that checks
/// <c>X-EcoMonitor-Signature</c> over the raw body when <see cref="Secret"/> is set (401 if wrong).
/// </summary>
public sealed class WebhookReceiver
{
    private readonly ConcurrentQueue<(int Status, string? RetryAfter)> _failures = new();

    public string? Secret { get; set; } = "hook-" + Guid.NewGuid().ToString("N");

    public ConcurrentQueue<AcceptedRequest> Accepted { get; } = new();

    /// <summary>The next request is answered with <paramref name="status"/> (and <c>Retry-After</c> when given) instead of being accepted.</summary>
    public void FailNext(int status, string? retryAfter = null) => _failures.Enqueue((status, retryAfter));

    /// <summary>While true every request gets 503, as from a proxy in front of a receiver that is down.</summary>
    public bool Down { get; set; }

    /// <summary>Requests refused while <see cref="Down"/>.</summary>
    public int RefusedWhileDown => _refusedWhileDown;

    private int _refusedWhileDown;

    internal async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await RobotReceivers.ReadBodyAsync(request);
        if (Secret is { } secret)
        {
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
            var given = request.Headers["X-EcoMonitor-Signature"].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given), Encoding.ASCII.GetBytes(expected)))
            {
                await RobotReceivers.ReplyAsync(context, new { error = "signature mismatch" }, StatusCodes.Status401Unauthorized);
                return;
            }
        }

        if (Down)
        {
            Interlocked.Increment(ref _refusedWhileDown);
            await RobotReceivers.ReplyAsync(context, new { error = "service unavailable" }, StatusCodes.Status503ServiceUnavailable);
            return;
        }

        if (_failures.TryDequeue(out var failure))
        {
            if (failure.RetryAfter is { } after)
            {
                context.Response.Headers.RetryAfter = after;
            }

            await RobotReceivers.ReplyAsync(context, new { error = "not now" }, failure.Status);
            return;
        }

        if (!RobotReceivers.TryParse(body, out var root))
        {
            await RobotReceivers.ReplyAsync(context, new { error = "not JSON" }, StatusCodes.Status400BadRequest);
            return;
        }

        Accepted.Enqueue(new AcceptedRequest(root, body, DingTalkRobot.Headers(request), request.QueryString.Value ?? string.Empty));
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }
}
