using System.Text;
using EcoMonitor.Audit.Log;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>The checkpoint loop on a fake clock (docs/audit.md#checkpoints).</summary>
public sealed class AuditCheckpointTests
{
    [Fact(Timeout = 30_000)]
    public async Task Every_interval_while_the_log_grows_a_signed_checkpoint_is_appended_and_the_latest_replaced()
    {
        await using var test = new TestAuditLog().Start();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var service = new AuditLogService(test.Log, test.Options, test.Metrics, time, NullLogger<AuditLogService>.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var loop = service.SuperviseAsync("checkpoint-loop", service.RunCheckpointsAsync, stop.Token);

        for (var i = 0; i < 10; i++)
        {
            await test.Log.AppendAsync(TestAuditLog.Record(i), TestContext.Current.CancellationToken);
        }

        time.Advance(test.Options.CheckpointInterval);
        await Eventually.WaitAsync(() => test.Log.LatestCheckpointSize == 10, TimeSpan.FromSeconds(10), "the first checkpoint", TestContext.Current.CancellationToken);

        // Not grown: the round runs and signs nothing.
        var rounds = service.CheckpointRounds;
        time.Advance(test.Options.CheckpointInterval);
        await Eventually.WaitAsync(() => service.CheckpointRounds > rounds, TimeSpan.FromSeconds(10), "a round on an unchanged log", TestContext.Current.CancellationToken);
        Assert.Equal(1, test.Metrics.Checkpoints.Value);

        await test.Log.AppendAsync(TestAuditLog.Record(10), TestContext.Current.CancellationToken);
        time.Advance(test.Options.CheckpointInterval);
        await Eventually.WaitAsync(() => test.Log.LatestCheckpointSize == 11, TimeSpan.FromSeconds(10), "the second checkpoint", TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await loop;

        // Opened with the verifier key alone, as a client would.
        var latest = File.ReadAllText(test.Files.Latest);
        Assert.Equal(test.Log.LatestCheckpoint, latest);
        var opened = Checkpoint.Open(latest, NoteVerifier.Parse(test.Keys.VerifierKey));
        Assert.Equal(TestAuditLog.Origin, opened.Origin);
        Assert.Equal(11UL, opened.Size);
        Assert.Equal(test.Log.Root(11), opened.RootHash);

        var (notes, complete) = AuditFiles.SplitCheckpoints(File.ReadAllText(test.Files.Checkpoints));
        Assert.Equal(2, notes.Count);
        Assert.Equal(File.ReadAllText(test.Files.Checkpoints).Length, complete);
        Assert.Equal(10UL, Checkpoint.Open(notes[0], test.Verifier).Size);
        Assert.Equal(latest, notes[1]);
        Assert.Equal(2, test.Metrics.Checkpoints.Value);
        Assert.DoesNotContain(test.Keys.SignerKey, File.ReadAllText(test.Files.Checkpoints), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_incomplete_last_checkpoint_is_cut_off_when_the_log_opens()
    {
        var test = new TestAuditLog().Start();
        await test.Log.AppendAsync(TestAuditLog.Record(0), TestContext.Current.CancellationToken);
        test.Log.WriteCheckpointIfGrown();
        await test.StopAsync();
        var whole = File.ReadAllBytes(test.Files.Checkpoints);
        File.AppendAllText(test.Files.Checkpoints, "eco.example/audit\n2\n", Encoding.UTF8);

        await using var again = test.Reopen().Start();
        Assert.Equal(whole, File.ReadAllBytes(again.Files.Checkpoints));
        Assert.Equal(1UL, again.Log.LatestCheckpointSize);
        Assert.Equal(1, again.Metrics.Recoveries.WithLabels("torn-checkpoint").Value);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_loop_that_throws_is_counted_and_restarted()
    {
        await using var test = new TestAuditLog().Start();
        var time = new FakeTimeProvider();
        var service = new AuditLogService(test.Log, test.Options, test.Metrics, time, NullLogger<AuditLogService>.Instance);
        var runs = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var loop = service.SuperviseAsync("checkpoint-loop", _ => ++runs < 3 ? throw new InvalidOperationException("boom") : Task.CompletedTask, stop.Token);

        await Eventually.WaitAsync(() => { time.Advance(AuditLogService.RestartDelay); return loop.IsCompleted; }, TimeSpan.FromSeconds(10), "the third run", TestContext.Current.CancellationToken);
        Assert.Equal(3, runs);
        Assert.Equal(2, test.Metrics.Failures.WithLabels("checkpoint-loop").Value);
    }

    [Fact(Timeout = 30_000)]
    public async Task The_service_opens_the_log_at_start_and_on_stop_writes_what_was_queued_and_a_last_checkpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var test = new TestAuditLog();
        var service = new AuditLogService(test.Log, test.Options, test.Metrics, new FakeTimeProvider(), NullLogger<AuditLogService>.Instance);
        await service.StartAsync(ct);
        var appends = Enumerable.Range(0, 5).Select(i => test.Log.AppendAsync(TestAuditLog.Record(i), ct).AsTask()).ToList();
        await service.StopAsync(ct);

        Assert.Equal([0L, 1, 2, 3, 4], (await Task.WhenAll(appends)).Order());
        Assert.Equal(5UL, Checkpoint.Open(File.ReadAllText(test.Files.Latest), test.Verifier).Size);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await test.Log.AppendAsync(TestAuditLog.Record(5), ct));
    }
}
