using System.Collections.Concurrent;
using EcoMonitor.Core.Readings;
using EcoMonitor.Service.DeadLetters;
using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Ingestion;
using EcoMonitor.Service.Observability;
using EcoMonitor.Service.Storage;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>Batching, acknowledge-after-store and failure handling, with time under the test's control.</summary>
public sealed class BatchWriterTests : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero));
    private readonly RecordingPointWriter _writer = new();
    private readonly IngestMetrics _metrics = new();
    private readonly StoreHealth _health = new();
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-batch-");
    private readonly ConcurrentQueue<string> _acks = new();
    private readonly IngestQueue _queue;
    private readonly DeadLetterStore _deadLetters;
    private readonly BatchWriter _batchWriter;

    public BatchWriterTests()
    {
        var ingest = MsOptions.Create(new IngestOptions { BatchMaxReadings = 3, BatchMaxMessages = 100, BatchMaxAge = TimeSpan.FromSeconds(1) });
        _queue = new IngestQueue(ingest, _metrics);
        _deadLetters = new DeadLetterStore(MsOptions.Create(new EcoMonitorOptions { DataDirectory = _data.FullName }), _time, NullLogger<DeadLetterStore>.Instance);
        var pipeline = new StoreWritePipeline(MsOptions.Create(new InfluxOptions()), _time, NullLogger<StoreWritePipeline>.Instance, _metrics, _health);
        _batchWriter = new BatchWriter(_queue, _writer, pipeline, _deadLetters, ingest, _metrics, _health, _time, NullLogger<BatchWriter>.Instance);
    }

    [Fact]
    public async Task A_full_batch_is_written_at_once_and_its_messages_acknowledged_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        await _batchWriter.StartAsync(ct);

        await EnqueueAsync("m1", 2);
        await EnqueueAsync("m2", 1);

        await Eventually.WaitAsync(() => _acks.Count == 2, Deadline, "two acknowledgements", ct);
        Assert.Equal(["m1", "m2"], _acks);
        var batch = Assert.Single(_writer.Writes);
        Assert.Equal(["air,device=d,site=s m0=0 1000", "air,device=d,site=s m1=1 1001", "air,device=d,site=s m0=0 1000"], batch);
        Assert.Equal(3, _metrics.ReadingsStored.Value);
    }

    [Fact]
    public async Task A_partial_batch_waits_for_its_age_limit_before_it_is_written()
    {
        var ct = TestContext.Current.CancellationToken;
        await _batchWriter.StartAsync(ct);

        await EnqueueAsync("m1", 1);
        await Eventually.WaitAsync(() => _queue.Reader.Count == 0, Deadline, "the writer to take the message", ct);
        _time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Empty(_writer.Writes);
        Assert.Empty(_acks);

        _time.Advance(TimeSpan.FromMilliseconds(100));
        await Eventually.WaitAsync(() => _acks.Count == 1, Deadline, "the acknowledgement after the age limit", ct);
        Assert.Single(_writer.Writes);
    }

    [Fact]
    public async Task Messages_stay_unacknowledged_while_the_store_fails_and_are_acknowledged_once_it_recovers()
    {
        var ct = TestContext.Current.CancellationToken;
        _writer.FailNext(new HttpRequestException("connection refused"));
        _writer.FailNext(new HttpRequestException("connection refused"));
        await _batchWriter.StartAsync(ct);

        await EnqueueAsync("m1", 3);
        await Eventually.WaitAsync(() => !_health.IsHealthy, Deadline, "the first failure to be seen", ct);
        Assert.Empty(_acks);

        // Backoff delays run on the fake clock.
        await Eventually.WaitAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromSeconds(1));
                return _acks.Count == 1;
            },
            Deadline,
            "the write to succeed after retries",
            ct);
        Assert.Equal(3, _writer.Attempts);
        Assert.Single(_writer.Writes);
        Assert.True(_health.IsHealthy);
        Assert.Equal(2, _metrics.StoreWriteFailures.Value);
    }

    [Fact]
    public async Task Points_the_store_refuses_are_dead_lettered_with_its_reason_and_acknowledged()
    {
        var ct = TestContext.Current.CancellationToken;
        _writer.FailNext(new StoreRejectedException("store refused the points (400): field type conflict"));
        await _batchWriter.StartAsync(ct);

        await EnqueueAsync("m1", 3);
        await Eventually.WaitAsync(() => _acks.Count == 1, Deadline, "the acknowledgement", ct);

        Assert.Empty(_writer.Writes);
        var line = Assert.Single(File.ReadAllLines(Assert.Single(Directory.GetFiles(Path.Combine(_data.FullName, "deadletter")))));
        Assert.Contains("\"code\":\"store-rejected\"", line, StringComparison.Ordinal);
        Assert.Contains("field type conflict", line, StringComparison.Ordinal);
        Assert.Equal(0, _metrics.ReadingsStored.Value);
    }

    public async ValueTask DisposeAsync()
    {
        await _batchWriter.StopAsync(CancellationToken.None);
        _batchWriter.Dispose();
        await _deadLetters.DisposeAsync();
        _data.Delete(recursive: true);
    }

    private async Task EnqueueAsync(string id, int readings)
    {
        var list = Enumerable.Range(0, readings)
            .Select(i => new Reading(SensorKind.Air, "s", "d", $"m{i}", i, 1000 + i))
            .ToList();
        await _queue.EnqueueAsync(
            new IngestEnvelope($"eco/s/air/{id}", list, _ =>
            {
                _acks.Enqueue(id);
                return Task.CompletedTask;
            }),
            TestContext.Current.CancellationToken);
    }
}
