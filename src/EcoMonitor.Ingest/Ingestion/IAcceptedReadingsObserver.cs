using EcoMonitor.Core.Readings;

namespace EcoMonitor.Ingest.Ingestion;

/// <summary>
/// Sees the accepted readings of every message before the message is queued for the store: the
/// port through which the alert engine watches the stream (docs/architecture.md#data-flow).
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

/// <summary>The observer when no alert engine is composed: nothing to add.</summary>
internal sealed class NoReadingsObserver : IAcceptedReadingsObserver
{
    public ValueTask<IReadOnlyList<string>> ObserveAsync(IReadOnlyList<Reading> readings, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([]);
}
