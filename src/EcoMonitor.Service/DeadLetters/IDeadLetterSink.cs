using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;

namespace EcoMonitor.Service.DeadLetters;

/// <summary>Where the message handler records a refused message before it may be acknowledged (<see cref="DeadLetterStore"/>).</summary>
public interface IDeadLetterSink
{
    /// <summary>Returns once the record is durable; throws (e.g. <see cref="IOException"/>) if it cannot be.</summary>
    Task WriteAsync(IncomingMessage message, IngestResult result, CancellationToken cancellationToken);
}
