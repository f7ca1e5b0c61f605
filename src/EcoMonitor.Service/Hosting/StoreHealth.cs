namespace EcoMonitor.Service.Hosting;

/// <summary>Whether the last write to the store succeeded; read by the readiness check.</summary>
public sealed class StoreHealth
{
    private volatile string? _failure;

    public bool IsHealthy => _failure is null;

    public string? LastFailure => _failure;

    public void RecordSuccess() => _failure = null;

    public void RecordFailure(string reason) => _failure = reason;
}
