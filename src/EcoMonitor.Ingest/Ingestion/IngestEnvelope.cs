using EcoMonitor.Core.Readings;

namespace EcoMonitor.Ingest.Ingestion;

/// <summary>
/// A message on its way to the store: its accepted readings (possibly none), the alert
/// transitions they caused (as line protocol), and how to acknowledge it to the broker once
/// they are durable.
/// </summary>
public sealed record IngestEnvelope(
    string Topic,
    IReadOnlyList<Reading> Readings,
    Func<CancellationToken, Task> Acknowledge,
    IReadOnlyList<string>? AlertLines = null);
