using System.Collections.Concurrent;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;

namespace EcoMonitor.FirmwareSim.Firmware;

/// <summary>How a data message came to be sent.</summary>
internal enum PublicationKind
{
    /// <summary>Sent when it was made.</summary>
    Live,

    /// <summary>Sent from the store-and-forward buffer after an outage (a JSON array of records when native).</summary>
    Replay,

    /// <summary>An already-accepted message sent again.</summary>
    Duplicate,
}

/// <summary>One data message the broker accepted.</summary>
/// <param name="Messages">The messages the payload carries: one, or the buffered ones of a replay batch.</param>
/// <param name="PublishedAt">Simulator (true) time of the acceptance.</param>
internal sealed record Publication(NodeIdentity Node, PublicationKind Kind, string Topic, byte[] Payload, IReadOnlyList<SimulatedMessage> Messages, DateTimeOffset PublishedAt);

/// <summary>
/// Keeps every data message the broker accepted, so a test can demand that a consumer stored exactly
/// what the fleet sent. Opt-in (<see cref="FleetSimulator.Recorder"/>): a long run of a large fleet
/// would not fit in memory.
/// </summary>
internal sealed class PublicationRecorder
{
    private readonly ConcurrentQueue<Publication> _publications = new();

    public IReadOnlyList<Publication> Publications => [.. _publications];

    public void Add(Publication publication) => _publications.Enqueue(publication);
}
