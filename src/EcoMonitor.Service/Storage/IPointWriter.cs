namespace EcoMonitor.Service.Storage;

/// <summary>Writes line-protocol points to the time-series store, one request per call.</summary>
/// <remarks>
/// Failures are classified by exception: <see cref="StoreRejectedException"/> (the data is bad),
/// <see cref="StoreTooLargeException"/> (the request is too big), <see cref="StoreUnauthorizedException"/>
/// (credentials); anything else is an outage and worth retrying.
/// </remarks>
public interface IPointWriter
{
    Task WriteAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken);
}

/// <summary>The store refused the points themselves (400, 422, partial write): retrying cannot help.</summary>
public sealed class StoreRejectedException : Exception
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
public sealed class StoreTooLargeException : Exception
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

/// <summary>The store refused our credentials (401, 403): an operator must act; meanwhile we spool.</summary>
public sealed class StoreUnauthorizedException : Exception
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
public sealed class StoreUnavailableException : Exception
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
