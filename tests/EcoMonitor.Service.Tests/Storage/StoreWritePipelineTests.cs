using EcoMonitor.Ingest.Observability;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Runtime.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>
/// The live store pipeline in an outage (docs/decisions.md, "The store's answers"): once a few
/// batches in a row failed after their retries, the circuit opens and a batch fails at once,
/// without a write or a backoff, so that the spool takes live traffic at the rate it arrives.
/// </summary>
public sealed class StoreWritePipelineTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task After_a_busy_minute_of_successes_failing_batches_still_open_the_circuit_within_seconds()
    {
        var pipeline = Pipeline(Influx);

        // A minute of 20 stored batches a second, as a busy service writes them.
        for (var i = 0; i < 1200; i++)
        {
            await pipeline.Live.ExecuteAsync(_ => ValueTask.CompletedTask, TestContext.Current.CancellationToken);
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }

        var outageStarted = _time.GetUtcNow();
        for (var batch = 0; batch <= 30; batch++)
        {
            if (await FailedBatchAsync(pipeline, _ => throw new HttpRequestException("Connection refused")) is BrokenCircuitException)
            {
                // A failing batch takes about a second of retries: a few of them, not the 25 or
                // more a 30 s window full of successes needed.
                Assert.InRange(batch, 2, 8);
                return;
            }
        }

        Assert.Fail($"the circuit was still closed after 30 failed batches, {_time.GetUtcNow() - outageStarted} into the outage");
    }

    [Fact]
    public async Task Batches_that_keep_failing_open_the_circuit_and_the_next_fails_at_once_without_a_write()
    {
        var influx = Influx;
        var pipeline = Pipeline(influx);
        var writes = 0;
        ValueTask Refused(CancellationToken _)
        {
            writes++;
            throw new HttpRequestException("Connection refused (127.0.0.1:8086)");
        }

        var failedBatches = 0;
        while (failedBatches < 10)
        {
            var before = writes;
            if (await FailedBatchAsync(pipeline, Refused) is BrokenCircuitException)
            {
                Assert.Equal(before, writes);
                Assert.InRange(failedBatches, 2, 4);
                return;
            }

            Assert.Equal(before + 1 + influx.RetryAttempts, writes);
            failedBatches++;
        }

        Assert.Fail($"the circuit never opened: {failedBatches} batches each tried {1 + influx.RetryAttempts} writes");
    }

    [Fact]
    public async Task The_replay_tries_again_at_least_every_few_seconds_in_a_long_outage_and_drains_soon_after_the_store_returns()
    {
        var pipeline = Pipeline(Influx);
        var storeBack = _time.GetUtcNow() + TimeSpan.FromSeconds(60);
        var attempts = new List<DateTimeOffset>();
        ValueTask Write(CancellationToken _)
        {
            attempts.Add(_time.GetUtcNow());
            return _time.GetUtcNow() < storeBack ? throw new StoreUnavailableException("Connection refused") : ValueTask.CompletedTask;
        }

        var replay = pipeline.Replay.ExecuteAsync(Write, TestContext.Current.CancellationToken).AsTask();
        await RunClockUntilDoneAsync(replay, TimeSpan.FromSeconds(200));
        await replay;
        var longestWait = attempts.Zip(attempts.Skip(1), (a, b) => b - a).Max();
        Assert.True(longestWait <= StoreWritePipeline.MaxReplayDelay + TimeSpan.FromMilliseconds(200), $"the replay waited {longestWait} between two tries");
        Assert.InRange(attempts[^1] - storeBack, TimeSpan.Zero, StoreWritePipeline.MaxReplayDelay + TimeSpan.FromMilliseconds(200));
    }

    private static InfluxOptions Influx => new() { RetryAttempts = 3, BreakDuration = TimeSpan.FromSeconds(5) };

    private StoreWritePipeline Pipeline(InfluxOptions influx) =>
        new(MsOptions.Create(influx), _time, NullLogger<StoreWritePipeline>.Instance, new IngestMetrics(new RuntimeMetrics()), new StoreHealth());

    /// <summary>One live batch whose writes fail, its retry delays run on the fake clock; what it ended with.</summary>
    private async Task<Exception> FailedBatchAsync(StoreWritePipeline pipeline, Func<CancellationToken, ValueTask> write)
    {
        var batch = pipeline.Live.ExecuteAsync(write, TestContext.Current.CancellationToken).AsTask();
        await RunClockUntilDoneAsync(batch, TimeSpan.FromSeconds(20));
        return await Assert.ThrowsAnyAsync<Exception>(() => batch);
    }

    /// <summary>Moves the fake clock in 100 ms steps, letting the pipeline's delays run out, until the task is done or <paramref name="atMost"/> has passed.</summary>
    private async Task RunClockUntilDoneAsync(Task task, TimeSpan atMost)
    {
        for (var passed = TimeSpan.Zero; passed < atMost && !task.IsCompleted; passed += TimeSpan.FromMilliseconds(100))
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Yield();
        }
    }
}
