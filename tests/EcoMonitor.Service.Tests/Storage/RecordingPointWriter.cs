using System.Collections.Concurrent;
using EcoMonitor.Service.Storage;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>A hand-written store: records what is written and fails on demand.</summary>
internal sealed class RecordingPointWriter : IPointWriter
{
    private readonly ConcurrentQueue<Exception> _failures = new();

    public ConcurrentQueue<IReadOnlyList<string>> Writes { get; } = new();

    public int Attempts;

    public void FailNext(Exception exception) => _failures.Enqueue(exception);

    public Task WriteAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Attempts);
        if (_failures.TryDequeue(out var failure))
        {
            return Task.FromException(failure);
        }

        Writes.Enqueue(lines);
        return Task.CompletedTask;
    }
}
