using System.Collections.Concurrent;
using EcoMonitor.Ingest.Storage;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>A hand-written store: records what is written, fails on demand, refuses bad points as a real one does.</summary>
internal sealed class RecordingPointWriter : IPointWriter
{
    private readonly ConcurrentQueue<Exception> _failures = new();
    private string? _rejected;
    private int _attempts;

    public ConcurrentQueue<IReadOnlyList<string>> Writes { get; } = new();

    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Larger requests are refused with a 413, as a store with a body limit does.</summary>
    public int MaxLinesPerRequest { get; set; } = int.MaxValue;

    public void FailNext(Exception exception) => _failures.Enqueue(exception);

    /// <summary>While true, every write fails as with the store down.</summary>
    public bool Down { get; set; }

    /// <summary>Any request holding such a line is refused whole with a 400, as InfluxDB does for a bad point.</summary>
    public void RejectLinesContaining(string text) => _rejected = text;

    public Task WriteAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempts);
        if (Down)
        {
            return Task.FromException(new HttpRequestException("connection refused"));
        }

        if (_failures.TryDequeue(out var failure))
        {
            return Task.FromException(failure);
        }

        if (lines.Count > MaxLinesPerRequest)
        {
            return Task.FromException(new StoreTooLargeException($"store refused a request of {lines.Count} points as too large"));
        }

        if (_rejected is not null && lines.Any(l => l.Contains(_rejected, StringComparison.Ordinal)))
        {
            return Task.FromException(new StoreRejectedException("store refused the points (400): field type conflict"));
        }

        Writes.Enqueue(lines);
        return Task.CompletedTask;
    }
}
