using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// InfluxDB 2's write endpoint (<c>POST /api/v2/write</c>) on a loopback port, answering as
/// InfluxDB does: 204 when it stored the points; a partial write (400, <c>{"code":"invalid",
/// "message":"partial write: … dropped=N"}</c>, the good points stored) for lines holding a
/// given text; 413 above a number of lines; and, for the next requests, whatever status, body and
/// <c>Retry-After</c> a test scripts, or a connection reset. Records every request with the
/// time of the given clock at which it arrived.
/// </summary>
public sealed class InfluxWriteStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TimeProvider _clock;
    private readonly ConcurrentQueue<Answer> _next = new();

    private InfluxWriteStandIn(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _clock = clock;
    }

    /// <summary>Lines InfluxDB stored, in arrival order.</summary>
    public ConcurrentQueue<string> Stored { get; } = new();

    /// <summary>Every request: when it arrived (on the given clock), its lines and the status answered (0: reset).</summary>
    public ConcurrentQueue<(DateTimeOffset At, IReadOnlyList<string> Lines, int Status)> Requests { get; } = new();

    public Uri Url => new(_app.Urls.First());

    /// <summary>The last request as it came: its query, Authorization and Content-Type headers, declared Content-Length and body size.</summary>
    public (string Query, string? Authorization, string? ContentType, long? ContentLength, long BodyBytes) Last { get; private set; }

    /// <summary>A request holding a line with this text is a partial write: the other lines are stored, 400.</summary>
    public string? RejectLinesContaining { get; set; }

    /// <summary>Requests with more lines are refused whole with 413.</summary>
    public int MaxLinesPerRequest { get; set; } = int.MaxValue;

    public static async Task<InfluxWriteStandIn> StartAsync(TimeProvider clock, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new InfluxWriteStandIn(app, clock);
        app.MapPost("/api/v2/write", standIn.WriteAsync);
        await app.StartAsync(cancellationToken);
        return standIn;
    }

    /// <summary>The next request is answered with <paramref name="status"/>, InfluxDB's JSON error <paramref name="code"/> and <paramref name="message"/>.</summary>
    public void AnswerNext(int status, string code, string message, int? retryAfterSeconds = null) =>
        _next.Enqueue(new Answer(status, code, message, retryAfterSeconds));

    /// <summary>The next request's connection is reset without an answer.</summary>
    public void ResetNext() => _next.Enqueue(new Answer(0, string.Empty, string.Empty, null));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task WriteAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var request = context.Request;
        Last = (request.QueryString.Value ?? string.Empty, request.Headers.Authorization.ToString(), request.ContentType, request.ContentLength, body.Length);
        var lines = Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var at = _clock.GetUtcNow();
        if (_next.TryDequeue(out var scripted))
        {
            Requests.Enqueue((at, lines, scripted.Status));
            if (scripted.Status == 0)
            {
                context.Abort();
                return;
            }

            await ErrorAsync(context, scripted);
            return;
        }

        if (lines.Length > MaxLinesPerRequest)
        {
            Requests.Enqueue((at, lines, 413));
            await ErrorAsync(context, new Answer(413, "request too large", "unable to read data: points batch is too large", null));
            return;
        }

        var bad = RejectLinesContaining is { } text ? lines.Where(l => l.Contains(text, StringComparison.Ordinal)).ToList() : [];
        foreach (var line in lines.Except(bad))
        {
            Stored.Enqueue(line);
        }

        if (bad.Count > 0)
        {
            Requests.Enqueue((at, lines, 400));
            await ErrorAsync(context, new Answer(400, "invalid", $"partial write: field type conflict: input field \"{bad[0].Split(' ')[1].Split('=')[0]}\" on measurement \"air\" is type string, already exists as type float dropped={bad.Count}", null));
            return;
        }

        Requests.Enqueue((at, lines, 204));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task ErrorAsync(HttpContext context, Answer answer)
    {
        context.Response.StatusCode = answer.Status;
        if (answer.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsJsonAsync(new { code = answer.Code, message = answer.Message }, context.RequestAborted);
    }

    private sealed record Answer(int Status, string Code, string Message, int? RetryAfterSeconds);
}
