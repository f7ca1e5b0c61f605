using EcoMonitor.Core.Audit;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Ingest.Storage.Spool;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>The <c>readings</c> record of each store batch: appended once the batch is durable, before any acknowledgement.</summary>
public sealed class ReadingsAuditTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_stored_batch_is_recorded_with_its_digest_counts_and_span_before_its_messages_are_acknowledged()
    {
        var ct = TestContext.Current.CancellationToken;
        var trail = new RecordingAuditTrail();
        await using var path = NewPath(trail);
        await path.Writer.StartAsync(ct);

        await path.EnqueueAsync("m1", 2);
        await path.EnqueueAsync("m2", 1);

        await Eventually.WaitAsync(() => path.Acks.Count == 2, Deadline, "two acknowledgements", ct);
        var record = Assert.Single(trail.Records);
        Assert.Equal(AuditRecordTypes.Readings, record.Type);
        Assert.Equal(path.Time.GetUtcNow(), record.At);

        // m0 at 1000 came twice (the second message repeats it): one point.
        Assert.Equal(2L, record.Fields["count"]);
        Assert.Equal(new Dictionary<string, object?> { ["s"] = 2L }, record.Fields["sites"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1000), record.Fields["from"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1001), record.Fields["to"]);
        Assert.Equal(
            ReadingsDigest.Hash(["air,device=d,site=s m0=0 1000", "air,device=d,site=s m1=1 1001"]),
            record.Fields["sha256"]);
    }

    [Fact]
    public async Task While_the_trail_throws_the_messages_are_not_acknowledged_and_the_record_is_appended_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var trail = new RecordingAuditTrail { Failing = true };
        await using var path = NewPath(trail);
        await path.Writer.StartAsync(ct);

        await path.EnqueueAsync("m1", 3);
        await path.AdvanceUntilAsync(() => trail.Attempts >= 3, "the append tried again");
        Assert.Empty(path.Acks);
        Assert.Empty(trail.Records);

        trail.Failing = false;
        await path.AdvanceUntilAsync(() => path.Acks.Count == 1, "the acknowledgement once the trail takes the record");
        Assert.Single(trail.Records);
    }

    [Fact]
    public async Task With_auditing_off_nothing_is_built()
    {
        var ct = TestContext.Current.CancellationToken;
        var trail = new RecordingAuditTrail(enabled: false);
        await using var path = NewPath(trail);
        await path.Writer.StartAsync(ct);

        await path.EnqueueAsync("m1", 3);
        await Eventually.WaitAsync(() => path.Acks.Count == 1, Deadline, "the acknowledgement", ct);
        Assert.Equal(0, trail.Attempts);
    }

    private static WritePath NewPath(RecordingAuditTrail trail) =>
        new(
            new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero)),
            new RecordingPointWriter(),
            new InfluxOptions { RetryAttempts = 2 },
            new SpoolOptions { FullRetryInterval = TimeSpan.FromSeconds(1) },
            Deadline,
            "audit",
            trail);
}
