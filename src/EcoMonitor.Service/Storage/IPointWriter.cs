namespace EcoMonitor.Service.Storage;

/// <summary>Writes line-protocol points to the time-series store.</summary>
public interface IPointWriter
{
    /// <exception cref="StoreRejectedException">The store refused the points themselves; retrying cannot help.</exception>
    Task WriteAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken);
}

/// <summary>The store answered that the data is bad (400, 422): permanent, unlike an outage.</summary>
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
