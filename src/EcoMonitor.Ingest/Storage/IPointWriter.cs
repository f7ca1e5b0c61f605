namespace EcoMonitor.Ingest.Storage;

/// <summary>Writes line-protocol points to the time-series store, one request per call.</summary>
/// <remarks>
/// Failures are classified by exception: <see cref="StoreRejectedException"/> (the data is bad),
/// <see cref="StoreTooLargeException"/> (the request is too big), <see cref="StoreUnauthorizedException"/>
/// (credentials, or a bucket or org that does not exist); <see cref="StoreBusyException"/> (the
/// store asks to be left alone for a while); anything else is an outage and worth retrying.
/// </remarks>
internal interface IPointWriter
{
    Task WriteAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken);
}

/// <summary>The store refused the points themselves (400, 422, partial write): retrying cannot help.</summary>
internal sealed class StoreRejectedException : Exception
{
    public StoreRejectedException()
    {
    }

    public StoreRejectedException(string message)
        : base(message)
    {
    }

    public StoreRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The request was too large (413): the batch is split.</summary>
internal sealed class StoreTooLargeException : Exception
{
    public StoreTooLargeException()
    {
    }

    public StoreTooLargeException(string message)
        : base(message)
    {
    }

    public StoreTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The store refused our credentials (401, 403) or has no such bucket or org (404): waiting fixes
/// neither, an operator must act; meanwhile we spool and report not-ready.
/// </summary>
internal sealed class StoreUnauthorizedException : Exception
{
    public StoreUnauthorizedException()
    {
    }

    public StoreUnauthorizedException(string message)
        : base(message)
    {
    }

    public StoreUnauthorizedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The store could not take the batch now (outage, overload, credentials): spool it.</summary>
internal sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException()
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The store is overloaded or rate-limits us (429, 503; InfluxDB Cloud) and said when to come back
/// (<c>Retry-After</c>): an outage that is retried, never sooner than it asked.
/// </summary>
internal sealed class StoreBusyException : Exception
{
    public StoreBusyException()
    {
    }

    public StoreBusyException(string message)
        : base(message)
    {
    }

    public StoreBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StoreBusyException(string message, TimeSpan? retryAfter, Exception? innerException)
        : base(message, innerException)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>What the store's <c>Retry-After</c> asked; null when it did not say.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The wait a store asked for, anywhere in <paramref name="exception"/>'s chain (a live write wraps it).</summary>
    public static TimeSpan? RetryAfterIn(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is StoreBusyException { RetryAfter: { } after })
            {
                return after;
            }
        }

        return null;
    }
}
