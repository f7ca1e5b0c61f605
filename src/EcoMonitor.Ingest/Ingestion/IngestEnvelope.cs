using EcoMonitor.Core.Readings;

namespace EcoMonitor.Ingest.Ingestion;

/// <summary>
/// A message on its way to the store: its accepted readings (possibly none), the alert
/// transitions they caused (as line protocol), and how to acknowledge it to the broker once
/// they are durable. <paramref name="ReceivedAt"/> is when the message arrived (default for
/// the alert ticker's own lines), for the acknowledgement lag.
/// </summary>
public sealed record IngestEnvelope(
    string Topic,
    IReadOnlyList<Reading> Readings,
    Func<CancellationToken, Task> Acknowledge,
    IReadOnlyList<string>? AlertLines = null,
    DateTimeOffset ReceivedAt = default);
