namespace EcoMonitor.FirmwareSim.Fleet;

/// <summary>The fleet could not connect to the broker; nothing was published.</summary>
public sealed class FleetConnectionException : Exception
{
    public FleetConnectionException()
    {
    }

    public FleetConnectionException(string message)
        : base(message)
    {
    }

    public FleetConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
