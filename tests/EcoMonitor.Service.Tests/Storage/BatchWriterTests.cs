using System.Collections.Concurrent;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Ingest.Storage.Spool;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>Batching, acknowledge-after-store, spooling and failure handling, with time under the test's control.</summary>
public sealed class BatchWriterTests : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly RecordingPointWriter _writer = new();
    private readonly WritePath _path;

    public BatchWriterTests()
    {
        _path = new WritePath(
            new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero)),
            _writer,
            new InfluxOptions { RetryAttempts = 2 },
            new SpoolOptions { MaxBytes = 150, FullRetryInterval = TimeSpan.FromSeconds(1) },
            Deadline,
            "batch");
    }

    [Fact]
    public async Task A_full_batch_is_written_at_once_and_its_messages_acknowledged_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        await _path.Writer.StartAsync(ct);

        await _path.EnqueueAsync("m1", 2);
        await _path.EnqueueAsync("m2", 1);

        await Eventually.WaitAsync(() => _path.Acks.Count == 2, Deadline, "two acknowledgements", ct);
        Assert.Equal(["m1", "m2"], _path.Acks);
        var batch = Assert.Single(_writer.Writes);
        Assert.Equal(["air,device=d,site=s m0=0 1000", "air,device=d,site=s m1=1 1001", "air,device=d,site=s m0=0 1000"], batch);
        Assert.Equal(3, _path.Metrics.ReadingsStored.Value);

        // Publish to stored, per message from its newest reading (m1's at 1001 ms, m2's at 1000 ms).
        var now = _path.Time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.Equal(2, _path.Metrics.PublishToStored.Count);
        Assert.Equal(((now - 1001) + (now - 1000)) / 1000.0, _path.Metrics.PublishToStored.Sum, 6);
    }

    [Fact]
    public async Task A_partial_batch_waits_for_its_age_limit_before_it_is_written()
    {
        var ct = TestContext.Current.CancellationToken;
        await _path.Writer.StartAsync(ct);

        await _path.EnqueueAsync("m1", 1);
        await Eventually.WaitAsync(() => _path.Queue.Reader.Count == 0, Deadline, "the writer to take the message", ct);
        _path.Time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Empty(_writer.Writes);
        Assert.Empty(_path.Acks);

        _path.Time.Advance(TimeSpan.FromMilliseconds(100));
        await Eventually.WaitAsync(() => _path.Acks.Count == 1, Deadline, "the acknowledgement after the age limit", ct);
        Assert.Single(_writer.Writes);
    }

    [Fact]
    public async Task A_brief_store_failure_is_retried_before_the_messages_are_acknowledged()
    {
        var ct = TestContext.Current.CancellationToken;
        _writer.FailNext(new HttpRequestException("connection refused"));
        await _path.Writer.StartAsync(ct);

        await _path.EnqueueAsync("m1", 3);
        await Eventually.WaitAsync(() => !_path.Health.IsHealthy, Deadline, "the first failure to be seen", ct);
        Assert.Empty(_path.Acks);

        // The retry's backoff runs on the fake clock.
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the retried write");
        Assert.Equal(2, _writer.Attempts);
        Assert.Single(_writer.Writes);
        Assert.True(_path.Health.IsHealthy);
        Assert.Equal(0, _path.Metrics.ReadingsSpooled.Value);
    }

    [Fact]
    public async Task A_batch_the_store_cannot_take_is_spooled_to_disk_and_then_acknowledged()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 3; i++)
        {
            _writer.FailNext(new HttpRequestException("connection refused"));
        }

        await _path.Writer.StartAsync(ct);
        await _path.EnqueueAsync("m1", 3);

        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the spooled batch's acknowledgement");
        Assert.Empty(_writer.Writes);
        Assert.Equal(3, _path.Metrics.ReadingsSpooled.Value);
        Assert.True(_path.Spool.Bytes > 0);
        var segment = _path.Spool.OldestSegment()!;
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

        await _path.Writer.StartAsync(ct);
        await _path.EnqueueAsync("m1", 3); // spooled: ~130 bytes of the 150 allowed
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the first batch to be spooled");

        await _path.EnqueueAsync("m2", 3); // does not fit
        await _path.AdvanceUntilAsync(() => _path.Metrics.SpoolFull.Value == 1, "the spool to be reported full");
        Assert.Equal(["m1"], _path.Acks);

        // The failures run out: the store is back, the held batch is written, then acknowledged.
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 2, "the held batch to be stored");
        Assert.Equal(["m1", "m2"], _path.Acks);
        Assert.Single(_writer.Writes);
        Assert.Equal(0, _path.Metrics.SpoolFull.Value);
    }

    [Fact]
    public async Task With_the_store_down_a_spool_write_the_disk_refuses_holds_the_acknowledgements_as_not_ready_until_space_returns()
    {
        var ct = TestContext.Current.CancellationToken;
        using var disk = SmallFileSystem.MountOrSkip(1 << 20, at: _path.Spool.Directory);
        disk.Fill();
        _writer.Down = true;
        await _path.Writer.StartAsync(ct);

        await _path.EnqueueAsync("m1", 3);
        await _path.AdvanceUntilAsync(() => _path.Writer.ExecuteTask!.IsFaulted || _path.Metrics.DiskWriteFailures.WithLabels(DiskStores.Spool).Value >= 2, "two failed spool appends");
        Assert.False(_path.Writer.ExecuteTask!.IsFaulted, $"the batch writer stopped: {_path.Writer.ExecuteTask.Exception?.InnerException?.Message}");
        Assert.Empty(_path.Acks);
        Assert.True(_path.Readiness.IsRaised(BatchWriter.SpoolDiskCondition));
        Assert.Equal(1, _path.Metrics.SpoolFull.Value);
        Assert.Equal(0, _path.Spool.Bytes);

        disk.Free();
        await _path.AdvanceUntilAsync(() => _path.Acks.Count == 1, "the held batch to be spooled");
        Assert.False(_path.Readiness.IsRaised(BatchWriter.SpoolDiskCondition));
        Assert.Equal(0, _path.Metrics.SpoolFull.Value);
        Assert.Equal(3, _path.Metrics.ReadingsSpooled.Value);
        using var reader = new SpoolSegmentReader(_path.Spool.OldestSegment()!);
        Assert.Equal(["air,device=d,site=s m0=0 1000", "air,device=d,site=s m1=1 1001", "air,device=d,site=s m2=2 1002"], await reader.ReadNextAsync(ct));
        Assert.Null(await reader.ReadNextAsync(ct));
    }

    [Fact]
    public async Task Points_the_store_refuses_are_found_by_splitting_and_dead_lettered_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        _writer.RejectLinesContaining("m1=");
        await _path.Writer.StartAsync(ct);

        await _path.EnqueueAsync("m1", 3);
        await Eventually.WaitAsync(() => _path.Acks.Count == 1, Deadline, "the acknowledgement", ct);

        Assert.Equal(["air,device=d,site=s m0=0 1000", "air,device=d,site=s m2=2 1002"], _writer.Writes.SelectMany(w => w).Order(StringComparer.Ordinal));
        var line = Assert.Single(File.ReadAllLines(Assert.Single(Directory.GetFiles(_path.DeadLetterDirectory))));
        Assert.Contains("\"code\":\"store-rejected\"", line, StringComparison.Ordinal);
        Assert.Contains("m1=1 1001", line, StringComparison.Ordinal);
        Assert.Equal(2, _path.Metrics.ReadingsStored.Value);
    }

    [Fact]
    public async Task A_request_too_large_for_the_store_is_split_until_it_fits()
    {
        var ct = TestContext.Current.CancellationToken;
        _writer.MaxLinesPerRequest = 1;
        await _path.Writer.StartAsync(ct);

        await _path.EnqueueAsync("m1", 3);
        await Eventually.WaitAsync(() => _path.Acks.Count == 1, Deadline, "the acknowledgement", ct);

        Assert.All(_writer.Writes, w => Assert.Single(w));
        Assert.Equal(3, _writer.Writes.Count);
        Assert.Equal(3, _path.Metrics.ReadingsStored.Value);
        Assert.False(Directory.Exists(_path.DeadLetterDirectory));
    }

    [Fact]
    public async Task Refused_credentials_fail_readiness_and_the_batch_is_spooled_without_retrying()
    {
        var ct = TestContext.Current.CancellationToken;
        _writer.FailNext(new StoreUnauthorizedException("store refused our credentials (401): unauthorized access"));
        await _path.Writer.StartAsync(ct);

        await _path.EnqueueAsync("m1", 3);
        await Eventually.WaitAsync(() => _path.Acks.Count == 1, Deadline, "the acknowledgement", ct);

        Assert.Equal(1, _writer.Attempts);
        Assert.Equal(3, _path.Metrics.ReadingsSpooled.Value);
        Assert.NotNull(_path.Health.Unauthorized);
    }

    public ValueTask DisposeAsync() => _path.DisposeAsync();
}
