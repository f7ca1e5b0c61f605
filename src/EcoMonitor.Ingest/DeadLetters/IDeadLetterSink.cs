using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;

namespace EcoMonitor.Ingest.DeadLetters;

/// <summary>Where the message handler records a refused message before it may be acknowledged.</summary>
internal interface IDeadLetterSink
{
    /// <summary>Returns once the record is durable; throws (e.g. <see cref="IOException"/>) if it cannot be.</summary>
    Task WriteAsync(IncomingMessage message, IngestResult result, CancellationToken cancellationToken);
}

/// <summary>
/// The <see cref="DeadLetterStore"/> as the handler's sink. A class of its own rather than the
/// store registered a second time: the container disposes what a factory returns, and would
/// dispose the store twice.
/// </summary>
internal sealed class DeadLetterStoreSink(DeadLetterStore store) : IDeadLetterSink
{
    public Task WriteAsync(IncomingMessage message, IngestResult result, CancellationToken cancellationToken) =>
        store.WriteAsync(message, result, cancellationToken);
}
