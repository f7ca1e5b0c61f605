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
    public async Task Batches_that_keep_failing_open_the_circuit_and_the_next_fails_at_once_without_a_write()
    {
        var influx = new InfluxOptions { RetryAttempts = 3, BreakDuration = TimeSpan.FromSeconds(5) };
        var pipeline = new StoreWritePipeline(MsOptions.Create(influx), _time, NullLogger<StoreWritePipeline>.Instance, new IngestMetrics(new RuntimeMetrics()), new StoreHealth());
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
            var batch = pipeline.Live.ExecuteAsync(Refused, TestContext.Current.CancellationToken).AsTask();
            for (var i = 0; i < 200 && !batch.IsCompleted; i++)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
                await Task.Yield();
            }

            var failure = await Assert.ThrowsAnyAsync<Exception>(() => batch);
            if (failure is BrokenCircuitException)
            {
                Assert.Equal(before, writes);
                Assert.InRange(failedBatches, 4, 9);
                return;
            }

            Assert.Equal(before + 1 + influx.RetryAttempts, writes);
            failedBatches++;
        }

        Assert.Fail($"the circuit never opened: {failedBatches} batches each tried {1 + influx.RetryAttempts} writes");
    }
}
