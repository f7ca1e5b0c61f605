using System.Collections.Concurrent;
using EcoMonitor.Core.Readings;
using EcoMonitor.Service.DeadLetters;
using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Ingestion;
using EcoMonitor.Service.Observability;
using EcoMonitor.Service.Storage;
using EcoMonitor.Service.Storage.Spool;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>Batching, acknowledge-after-store, spooling and failure handling, with time under the test's control.</summary>
public sealed class BatchWriterTests : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero));
    private readonly RecordingPointWriter _writer = new();
    private readonly IngestMetrics _metrics = new();
    private readonly StoreHealth _health = new();
    private readonly ReadinessConditions _readiness = new();
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-batch-");
    private readonly ConcurrentQueue<string> _acks = new();
    private readonly IngestQueue _queue;
    private readonly DeadLetterStore _deadLetters;
    private readonly DiskSpool _spool;
    private readonly BatchWriter _batchWriter;

    public BatchWriterTests()
    {
        var ingest = MsOptions.Create(new IngestOptions { BatchMaxReadings = 3, BatchMaxMessages = 100, BatchMaxAge = TimeSpan.FromSeconds(1) });
        var host = MsOptions.Create(new EcoMonitorOptions { DataDirectory = _data.FullName });
        var spoolOptions = MsOptions.Create(new SpoolOptions { MaxBytes = 150, FullRetryInterval = TimeSpan.FromSeconds(1) });
        _queue = new IngestQueue(ingest, _metrics);
        var deadLetterOptions = MsOptions.Create(new DeadLetterOptions());
        _deadLetters = new DeadLetterStore(host, deadLetterOptions, new DeadLetterRepublisher(deadLetterOptions, _metrics), _metrics, _time, NullLogger<DeadLetterStore>.Instance, _readiness);
        _spool = new DiskSpool(spoolOptions, host, _metrics, NullLogger<DiskSpool>.Instance);
        var pipeline = new StoreWritePipeline(MsOptions.Create(new InfluxOptions { RetryAttempts = 2 }), _time, NullLogger<StoreWritePipeline>.Instance, _metrics, _health);
        var store = new StoreWriter(_writer, pipeline, _deadLetters, _health, _metrics, NullLogger<StoreWriter>.Instance);
        _batchWriter = new BatchWriter(_queue, store, _spool, ingest, spoolOptions, _metrics, _time, NullLogger<BatchWriter>.Instance, _readiness);
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
    public async Task A_brief_store_failure_is_retried_before_the_messages_are_acknowledged()
    {
        var ct = TestContext.Current.CancellationToken;
        _writer.FailNext(new HttpRequestException("connection refused"));
        await _batchWriter.StartAsync(ct);

        await EnqueueAsync("m1", 3);
        await Eventually.WaitAsync(() => !_health.IsHealthy, Deadline, "the first failure to be seen", ct);
        Assert.Empty(_acks);

        // The retry's backoff runs on the fake clock.
        await AdvanceUntilAsync(() => _acks.Count == 1, "the retried write", ct);
        Assert.Equal(2, _writer.Attempts);
        Assert.Single(_writer.Writes);
        Assert.True(_health.IsHealthy);
        Assert.Equal(0, _metrics.ReadingsSpooled.Value);
    }

    [Fact]
    public async Task A_batch_the_store_cannot_take_is_spooled_to_disk_and_then_acknowledged()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 3; i++)
        {
            _writer.FailNext(new HttpRequestException("connection refused"));
        }

        await _batchWriter.StartAsync(ct);
        await EnqueueAsync("m1", 3);

        await AdvanceUntilAsync(() => _acks.Count == 1, "the spooled batch's acknowledgement", ct);
        Assert.Empty(_writer.Writes);
        Assert.Equal(3, _metrics.ReadingsSpooled.Value);
        Assert.True(_spool.Bytes > 0);
        var segment = _spool.OldestSegment()!;
        using var reader = new SpoolSegmentReader(segment);
        Assert.Equal(["air,device=d,site=s m0=0 1000", "air,device=d,site=s m1=1 1001", "air,device=d,site=s m2=2 1002"], await reader.ReadNextAsync(ct));
    }

    [Fact]
    public async Task With_the_store_down_and_the_spool_full_acknowledgements_are_held_until_the_store_is_back()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 6; i++)
        {
            _writer.FailNext(new HttpRequestException("connection refused"));
        }

        await _batchWriter.StartAsync(ct);
        await EnqueueAsync("m1", 3); // spooled: ~130 bytes of the 150 allowed
        await AdvanceUntilAsync(() => _acks.Count == 1, "the first batch to be spooled", ct);

        await EnqueueAsync("m2", 3); // does not fit
        await AdvanceUntilAsync(() => _metrics.SpoolFull.Value == 1, "the spool to be reported full", ct);
        Assert.Equal(["m1"], _acks);

        // The failures run out: the store is back, the held batch is written, then acknowledged.
        await AdvanceUntilAsync(() => _acks.Count == 2, "the held batch to be stored", ct);
        Assert.Equal(["m1", "m2"], _acks);
        Assert.Single(_writer.Writes);
        Assert.Equal(0, _metrics.SpoolFull.Value);
    }

    [Fact]
    public async Task With_the_store_down_a_spool_write_the_disk_refuses_holds_the_acknowledgements_as_not_ready_until_space_returns()
    {
        var ct = TestContext.Current.CancellationToken;
        using var disk = SmallFileSystem.MountOrSkip(1 << 20, at: _spool.Directory);
        disk.Fill();
        _writer.Down = true;
        await _batchWriter.StartAsync(ct);

        await EnqueueAsync("m1", 3);
        await AdvanceUntilAsync(() => _batchWriter.ExecuteTask!.IsFaulted || _metrics.DiskWriteFailures.WithLabels(DiskStores.Spool).Value >= 2, "two failed spool appends", ct);
        Assert.False(_batchWriter.ExecuteTask!.IsFaulted, $"the batch writer stopped: {_batchWriter.ExecuteTask.Exception?.InnerException?.Message}");
        Assert.Empty(_acks);
        Assert.True(_readiness.IsRaised(BatchWriter.SpoolDiskCondition));
        Assert.Equal(1, _metrics.SpoolFull.Value);
        Assert.Equal(0, _spool.Bytes);

        disk.Free();
        await AdvanceUntilAsync(() => _acks.Count == 1, "the held batch to be spooled", ct);
        Assert.False(_readiness.IsRaised(BatchWriter.SpoolDiskCondition));
        Assert.Equal(0, _metrics.SpoolFull.Value);
        Assert.Equal(3, _metrics.ReadingsSpooled.Value);
        using var reader = new SpoolSegmentReader(_spool.OldestSegment()!);
        Assert.Equal(["air,device=d,site=s m0=0 1000", "air,device=d,site=s m1=1 1001", "air,device=d,site=s m2=2 1002"], await reader.ReadNextAsync(ct));
        Assert.Null(await reader.ReadNextAsync(ct));
    }

    [Fact]
    public async Task Points_the_store_refuses_are_found_by_splitting_and_dead_lettered_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        _writer.RejectLinesContaining("m1=");
        await _batchWriter.StartAsync(ct);

        await EnqueueAsync("m1", 3);
        await Eventually.WaitAsync(() => _acks.Count == 1, Deadline, "the acknowledgement", ct);

        Assert.Equal(["air,device=d,site=s m0=0 1000", "air,device=d,site=s m2=2 1002"], _writer.Writes.SelectMany(w => w).Order(StringComparer.Ordinal));
        var line = Assert.Single(File.ReadAllLines(Assert.Single(Directory.GetFiles(Path.Combine(_data.FullName, "deadletter")))));
        Assert.Contains("\"code\":\"store-rejected\"", line, StringComparison.Ordinal);
        Assert.Contains("m1=1 1001", line, StringComparison.Ordinal);
        Assert.Equal(2, _metrics.ReadingsStored.Value);
    }

    [Fact]
    public async Task A_request_too_large_for_the_store_is_split_until_it_fits()
    {
        var ct = TestContext.Current.CancellationToken;
        _writer.MaxLinesPerRequest = 1;
        await _batchWriter.StartAsync(ct);

        await EnqueueAsync("m1", 3);
        await Eventually.WaitAsync(() => _acks.Count == 1, Deadline, "the acknowledgement", ct);

        Assert.All(_writer.Writes, w => Assert.Single(w));
        Assert.Equal(3, _writer.Writes.Count);
        Assert.Equal(3, _metrics.ReadingsStored.Value);
        Assert.False(Directory.Exists(Path.Combine(_data.FullName, "deadletter")));
    }

    [Fact]
    public async Task Refused_credentials_fail_readiness_and_the_batch_is_spooled_without_retrying()
    {
        var ct = TestContext.Current.CancellationToken;
        _writer.FailNext(new StoreUnauthorizedException("store refused our credentials (401): unauthorized access"));
        await _batchWriter.StartAsync(ct);

        await EnqueueAsync("m1", 3);
        await Eventually.WaitAsync(() => _acks.Count == 1, Deadline, "the acknowledgement", ct);

        Assert.Equal(1, _writer.Attempts);
        Assert.Equal(3, _metrics.ReadingsSpooled.Value);
        Assert.NotNull(_health.Unauthorized);
    }

    public async ValueTask DisposeAsync()
    {
        await _batchWriter.StopAsync(CancellationToken.None);
        _batchWriter.Dispose();
        _spool.Dispose();
        await _deadLetters.DisposeAsync();
        _data.Delete(recursive: true);
    }

    private Task AdvanceUntilAsync(Func<bool> condition, string what, CancellationToken ct) =>
        Eventually.WaitAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromMilliseconds(500));
                return condition();
            },
            Deadline,
            what,
            ct);

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
