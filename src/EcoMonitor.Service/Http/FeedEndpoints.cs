using System.Globalization;
using EcoMonitor.Feed.Publishing;
using Microsoft.Net.Http.Headers;

namespace EcoMonitor.Service.Http;

/// <summary>
/// The public early-warning feed (docs/feed.md#http): <c>GET /feeds/alerts.cap.xml</c>, the Atom
/// index, and <c>GET /feeds/cap/{identifier}.xml</c>, one immutable CAP 1.2 message. Public, no
/// login. Both carry ETag and Last-Modified and answer 304 to a matching If-None-Match (or, without
/// it, If-Modified-Since), as aggregators poll.
/// </summary>
public static class FeedEndpoints
{
    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/feeds/alerts.cap.xml", (HttpContext context, FeedReader reader) =>
        {
            var document = reader.Index(new Uri($"{context.Request.Scheme}://{context.Request.Host}"));
            return Serve(context, reader, "index", document, "public, max-age=60");
        }).AllowAnonymous();

        app.MapGet("/feeds/cap/{identifier}.xml", (HttpContext context, FeedReader reader, string identifier) =>
        {
            // Checked before any lookup: the identifier is bounded in length and characters.
            if (!FeedReader.IsIdentifier(identifier))
            {
                reader.Count("message", "bad-identifier");
                return Results.NotFound();
            }

            if (reader.Message(identifier) is not { } document)
            {
                reader.Count("message", "not-found");
                return Results.NotFound();
            }

            // Never edited: a client may keep it as long as it likes.
            return Serve(context, reader, "message", document, "public, max-age=31536000, immutable");
        }).AllowAnonymous();
        return app;
    }

    private static IResult Serve(HttpContext context, FeedReader reader, string kind, FeedDocument document, string cacheControl)
    {
        var headers = context.Response.Headers;
        headers.ETag = document.ETag;
        headers.LastModified = document.LastModified.ToString("R", CultureInfo.InvariantCulture);
        headers.CacheControl = cacheControl;
        if (NotModified(context.Request, document))
        {
            reader.Count(kind, "not-modified");
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        reader.Count(kind, "ok");
        return Results.Bytes(document.Bytes, document.ContentType);
    }

    /// <summary>RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison); otherwise If-Modified-Since, to the second.</summary>
    private static bool NotModified(HttpRequest request, FeedDocument document)
    {
        var typed = request.GetTypedHeaders();
        if (request.Headers.IfNoneMatch.Count > 0)
        {
            var etag = EntityTagHeaderValue.Parse(document.ETag);
            return typed.IfNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: false));
        }

        return typed.IfModifiedSince is { } since && document.LastModified <= since;
    }
}
