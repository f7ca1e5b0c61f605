
namespace EcoMonitor.Ingest.Storage;

/// <summary>How the store answered last; read by the readiness check.</summary>
public sealed class StoreHealth
{
    private volatile string? _failure;
    private volatile string? _unauthorized;

    public bool IsHealthy => _failure is null;

    public string? LastFailure => _failure;

    /// <summary>Set while the store refuses our credentials: no amount of waiting fixes that.</summary>
    public string? Unauthorized => _unauthorized;

    public void RecordSuccess()
    {
        _failure = null;
        _unauthorized = null;
    }

    public void RecordFailure(string reason) => _failure = reason;

    public void RecordUnauthorized(string reason)
    {
        _unauthorized = reason;
        _failure = reason;
    }
}
