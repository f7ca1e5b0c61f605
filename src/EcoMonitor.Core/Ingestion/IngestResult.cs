using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Ingestion;

/// <summary>The verdict on one message: readings to store and everything refused, with reasons.</summary>
public sealed record IngestResult(
    string Format,
    IReadOnlyList<Reading> Accepted,
    IReadOnlyList<Rejection> Rejections,
    int ReceiveTimeStamped)
{
    /// <summary>Nothing of the message can be stored.</summary>
    public bool WhollyRejected => Accepted.Count == 0 && Rejections.Count > 0;
}
