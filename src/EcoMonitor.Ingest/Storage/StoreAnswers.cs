using System.Globalization;

namespace EcoMonitor.Ingest.Storage;

/// <summary>
/// One classification of the store's HTTP answers for every write API (InfluxDB 2's
/// <c>/api/v2/write</c>, InfluxDB 1.x's <c>/write</c>): each status becomes one of
/// <see cref="IPointWriter"/>'s outcomes (docs/decisions.md, "The store's answers").
/// </summary>
internal static class StoreAnswers
{
    /// <summary>
    /// The exception for a failed answer; null for a status that is an outage (5xx other than
    /// 503, anything unexpected), which the caller reports as it is and the pipeline retries.
    /// </summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="message">What the store said (its error body), for the reason.</param>
    /// <param name="lines">Points in the request.</param>
    /// <param name="target">The database or bucket written to, for the 404 reason.</param>
    /// <param name="retryAfterSeconds">The store's <c>Retry-After</c>, when it sent one.</param>
    /// <param name="inner">The client's own exception, kept as the cause.</param>
    public static Exception? Classify(int status, string message, int lines, string target, int? retryAfterSeconds, Exception inner) => status switch
    {
        // InfluxDB 1.x answers a field-type conflict as 400 "partial write: ... dropped=N": the
        // other points are stored, so the split rewrites them (idempotent) and isolates the bad one.
        400 or 422 => new StoreRejectedException($"store refused the points ({status}): {message}", inner),
        413 => new StoreTooLargeException($"store refused a request of {lines} points as too large: {message}", inner),
        401 or 403 => new StoreUnauthorizedException($"store refused our credentials ({status}): {message}", inner),

        // A database, bucket or org that does not exist: as final as a bad token.
        404 => new StoreUnauthorizedException($"store has no database or bucket {target} (404): {message}", inner),
        429 or 503 => new StoreBusyException(
            $"store is busy ({status}, Retry-After {retryAfterSeconds?.ToString(CultureInfo.InvariantCulture) ?? "not given"}): {message}",
            retryAfterSeconds is { } seconds and >= 0 ? TimeSpan.FromSeconds(seconds) : null,
            inner),
        _ => null,
    };
}
