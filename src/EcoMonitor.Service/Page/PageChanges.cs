using EcoMonitor.Sensors;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Page;

/// <summary>
/// A number that changes whenever something the page shows changed: the alert book (its
/// notification sequence, the acknowledgements), the silences and the sensor directory's version.
/// Computed at most once per half check interval whatever the number of live clients
/// (docs/page.md#live-updates).
/// </summary>
public sealed class PageChanges(PageData data, IOptions<UiOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private DateTimeOffset _at = DateTimeOffset.MinValue;
    private long _value;

    public long Current()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (now - _at < options.Value.LiveCheckInterval / 2)
            {
                return _value;
            }

            _at = now;
            _value = Compute(data, now);
            return _value;
        }
    }

    internal static long Compute(PageData data, DateTimeOffset now)
    {
        var hash = new HashCode();
        hash.Add(data.Book.LastSequence);
        foreach (var alert in data.Book.Firing())
        {
            hash.Add(alert.Id);
            hash.Add(alert.Acknowledgement?.At);
        }

        foreach (var silence in data.SilenceBook.List())
        {
            hash.Add(silence.Id);
            hash.Add(silence.EndsAt);
            hash.Add(silence.StateAt(now));
        }

        hash.Add(data.Sensors?.Version ?? 0);
        return hash.ToHashCode();
    }
}

/// <summary>
/// <c>/ui/events</c>: a server-sent event <c>change</c> whenever <see cref="PageChanges"/> moves,
/// a comment every <see cref="KeepAlive"/> so that proxies keep the connection, at most
/// <c>Ui:MaxLiveClients</c> at once (one more is refused with 503 and counted), each closed after
/// <see cref="MaxLifetime"/> (the browser reconnects), so that no connection lives for ever.
/// </summary>
public sealed partial class PageLiveStream(PageChanges changes, IOptions<UiOptions> options, TimeProvider time, PageMetrics metrics, IHostApplicationLifetime lifetime, ILogger<PageLiveStream> logger)
{
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    private int _clients;

    public int Clients => Volatile.Read(ref _clients);

    public async Task RunAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var max = options.Value.MaxLiveClients;
        if (Interlocked.Increment(ref _clients) > max)
        {
            Interlocked.Decrement(ref _clients);
            var reason = max == 0 ? "off" : "full";
            metrics.LiveRefused.WithLabels(reason).Inc();
            LogRefused(logger, reason, max);
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.Headers.RetryAfter = "30";
            await http.Response.WriteAsync(max == 0
                ? "the live stream is turned off (Ui:MaxLiveClients = 0); the page polls"
                : $"{max} browsers are connected to the live stream (Ui:MaxLiveClients); the page polls instead", http.RequestAborted);
            return;
        }

        metrics.LiveClients.Inc();
        try
        {
            await StreamAsync(http);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The browser went away, or the service stops (the browser reconnects to the next one).
        }
        finally
        {
            Interlocked.Decrement(ref _clients);
            metrics.LiveClients.Dec();
        }
    }

    private async Task StreamAsync(HttpContext http)
    {
        // A stream must not hold a graceful stop until its timeout.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = linked.Token;
        http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var sent = changes.Current();
        await http.Response.WriteAsync($"retry: 3000\nevent: hello\ndata: {sent}\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
        var started = time.GetUtcNow();
        var quietSince = started;
        while (!ct.IsCancellationRequested && time.GetUtcNow() - started < MaxLifetime)
        {
            await Task.Delay(options.Value.LiveCheckInterval, time, ct);
            var now = time.GetUtcNow();
            var current = changes.Current();
            if (current != sent)
            {
                sent = current;
                quietSince = now;
                metrics.LiveEvents.Inc();
                await http.Response.WriteAsync($"event: change\ndata: {current}\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
            }
            else if (now - quietSince >= KeepAlive)
            {
                quietSince = now;
                await http.Response.WriteAsync(": keep-alive\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
            }
        }
    }

    [LoggerMessage(EventId = 7900, Level = LogLevel.Debug, Message = "A browser's live stream was refused ({Reason}; Ui:MaxLiveClients = {Max}); it polls instead")]
    private static partial void LogRefused(ILogger logger, string reason, int max);
}
