using System.Collections.Concurrent;
using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;
using EcoMonitor.Ingest.DeadLetters;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Ingest.Storage.Spool;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>
/// The service's write path as the host builds it — ingest queue → batch writer → store writer
/// (retry, split, dead letters) → disk spool — over one point writer, on the test's clock, with
/// each message's acknowledgement recorded.
/// </summary>
internal sealed class WritePath : IAsyncDisposable
{
    private readonly TimeSpan _deadline;

    public WritePath(FakeTimeProvider time, IPointWriter writer, InfluxOptions influx, SpoolOptions spool, TimeSpan deadline, string name, IAuditTrail? trail = null)
    {
        Time = time;
        _deadline = deadline;
        Data = Directory.CreateTempSubdirectory($"ecomonitor-{name}-");
        var ingest = MsOptions.Create(new IngestOptions { BatchMaxReadings = 3, BatchMaxMessages = 100, BatchMaxAge = TimeSpan.FromSeconds(1) });
        var host = MsOptions.Create(new DataDirectoryOptions { DataDirectory = Data.FullName });
        var spoolOptions = MsOptions.Create(spool);
        Queue = new IngestQueue(ingest, Metrics);
        var deadLetterOptions = MsOptions.Create(new DeadLetterOptions());
        DeadLetters = new DeadLetterStore(host, deadLetterOptions, new DeadLetterRepublisher(deadLetterOptions, Metrics), Metrics, time, NullLogger<DeadLetterStore>.Instance, Readiness);
        Spool = new DiskSpool(spoolOptions, host, Metrics, NullLogger<DiskSpool>.Instance);
        Pipeline = new StoreWritePipeline(MsOptions.Create(influx), time, NullLogger<StoreWritePipeline>.Instance, Metrics, Health);
        Store = new StoreWriter(writer, Pipeline, DeadLetters, Health, Metrics, NullLogger<StoreWriter>.Instance);
        Writer = new BatchWriter(Queue, Store, Spool, ingest, spoolOptions, Metrics, time, NullLogger<BatchWriter>.Instance, Readiness, trail ?? AuditTrail.None);
    }

    public FakeTimeProvider Time { get; }

    public IngestMetrics Metrics { get; } = new(new RuntimeMetrics());

    public StoreHealth Health { get; } = new();

    public ReadinessConditions Readiness { get; } = new();

    public DirectoryInfo Data { get; }

    public string DeadLetterDirectory => Path.Combine(Data.FullName, "deadletter");

    /// <summary>Ids of the acknowledged messages, in the order acknowledged.</summary>
    public ConcurrentQueue<string> Acks { get; } = new();

    public IngestQueue Queue { get; }

    public DeadLetterStore DeadLetters { get; }

    public DiskSpool Spool { get; }

    public StoreWritePipeline Pipeline { get; }

    public StoreWriter Store { get; }

    public BatchWriter Writer { get; }

    /// <summary>The line protocol of <see cref="EnqueueAsync"/>'s readings with these indices.</summary>
    public static List<string> Lines(params int[] metrics) => [.. metrics.Select(i => $"air,device=d,site=s m{i}={i} {1000 + i}")];

    /// <summary>Queues a message <paramref name="id"/> with readings m0…m(n-1) = 0…n-1 at 1000+i ms.</summary>
    public async Task EnqueueAsync(string id, int readings)
    {
        var list = Enumerable.Range(0, readings)
            .Select(i => new Reading(SensorKind.Air, "s", "d", $"m{i}", i, 1000 + i))
            .ToList();
        await Queue.EnqueueAsync(
            new IngestEnvelope($"eco/s/air/{id}", list, _ =>
            {
                Acks.Enqueue(id);
                return Task.CompletedTask;
            }),
            TestContext.Current.CancellationToken);
    }

    /// <summary>Moves the clock on by <paramref name="step"/> (500 ms) until <paramref name="condition"/> holds.</summary>
    public Task AdvanceUntilAsync(Func<bool> condition, string what, TimeSpan? step = null) =>
        Eventually.WaitAsync(
            () =>
            {
                Time.Advance(step ?? TimeSpan.FromMilliseconds(500));
                return condition();
            },
            _deadline,
            what,
            TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Writer.StopAsync(CancellationToken.None);
        Writer.Dispose();
        Spool.Dispose();
        await DeadLetters.DisposeAsync();
        Data.Delete(recursive: true);
    }
}
