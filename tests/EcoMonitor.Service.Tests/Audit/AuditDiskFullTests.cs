using EcoMonitor.Audit.Log;
using EcoMonitor.Core.Audit;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>A full disk under the log, on a real size-limited tmpfs: the append fails visibly, nothing logged is lost (docs/audit.md#durability).</summary>
public sealed class AuditDiskFullTests
{
    [Fact(Timeout = 60_000)]
    public async Task An_append_on_a_full_disk_fails_to_the_caller_and_the_records_before_it_stay()
    {
        var ct = TestContext.Current.CancellationToken;
        using var disk = SmallFileSystem.MountOrSkip(2 * 1024 * 1024);
        var test = TestAuditLog.In(disk.Root.FullName).Start();
        for (var i = 0; i < 20; i++)
        {
            await test.Log.AppendAsync(TestAuditLog.Record(i), ct);
        }

        var before = File.ReadAllBytes(test.Files.Log);
        disk.Fill();

        // Larger than a page, so the slack of the file's last page cannot hold it.
        var big = new AuditRecord(AuditRecordTypes.Correction, DateTimeOffset.UnixEpoch, new Dictionary<string, object?> { ["why"] = new string('x', 64 * 1024) });
        var failure = await Assert.ThrowsAsync<IOException>(async () => await test.Log.AppendAsync(big, ct));
        Assert.Contains("could not write", failure.Message, StringComparison.Ordinal);
        Assert.True(test.Metrics.Runtime.DiskWriteFailures.WithLabels(DiskStores.AuditLog).Value >= 1);
        Assert.Equal(1, test.Metrics.Failures.WithLabels("append").Value);
        Assert.Equal(before, File.ReadAllBytes(test.Files.Log));
        Assert.Equal(20UL, test.Log.Size);
        Assert.True(test.Readiness.IsRaised(AuditLog.DiskCondition));

        disk.Free();
        Assert.Equal(20, await test.Log.AppendAsync(big, ct));
        Assert.False(test.Readiness.IsRaised(AuditLog.DiskCondition));
        await test.StopAsync();

        await using var again = TestAuditLog.In(disk.Root.FullName, test.Keys);
        again.Log.Open();
        Assert.Equal(21UL, again.Log.Size);
        Assert.Equal(before, File.ReadAllBytes(again.Files.Log)[..before.Length]);
        Assert.True(LogVerification.Verify(again.Files, again.Verifier).Ok);
        again.Log.Dispose();
    }
}
