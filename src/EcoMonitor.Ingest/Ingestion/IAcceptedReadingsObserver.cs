using EcoMonitor.Core.Readings;

namespace EcoMonitor.Ingest.Ingestion;

/// <summary>
/// Sees the accepted readings of every message before the message is queued for the store: the
/// port through which the alert engine and the sensor directory watch the stream
/// (docs/architecture.md#data-flow). Every registered observer is called, in registration order.
/// </summary>
public interface IAcceptedReadingsObserver
{
    /// <summary>
    /// Returns line-protocol points to store with the message (e.g. alert transitions). It may be
    /// called again for the same readings when a handling is retried; seeing them twice changes nothing.
    /// </summary>
    /// <exception cref="IOException">What the observer must make durable first could not be written: the message is not acknowledged.</exception>
    ValueTask<IReadOnlyList<string>> ObserveAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken);
}
