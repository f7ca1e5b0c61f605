using BenchmarkDotNet.Attributes;
using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Storage;
using EcoMonitor.Ingest.DeadLetters;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Ingest.Storage.Spool;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using EcoMonitor.Runtime.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// From queued messages to the store's request body, per reading: 5,000 readings, cut into batches
/// as <see cref="BatchWriter"/> cuts them with the default <c>Ingest</c> options (5 batches of 1,000
/// messages at 1 reading per message, 1 batch of 100 messages at 50), the store answering 204 from
/// a <see cref="DrainingHandler"/> (no network). Baseline: the batches' line protocol as
/// <see cref="BatchWriter"/> assembles it; then that plus the request of each store API; then the
/// whole write path of the service, <see cref="BatchWriter"/> and <see cref="StoreWriter"/> running.
/// </summary>
/// <remarks>
/// <para><see cref="BatchWriter"/>'s assembly (its private <c>FlushAsync</c>) is repeated in
/// <see cref="Lines(List{IngestEnvelope})"/>; the requests are the service's own
/// <see cref="InfluxPointWriter"/> for each API over the draining handler, and, for comparison,
/// the same v2 write through InfluxDB.Client (<see cref="InfluxClientRequests"/>).</para>
/// <para>The write path case queues the envelopes on an <see cref="IngestQueue"/> and waits until the
/// writer has acknowledged every one, so it also has the queue, the resilience pipeline, the metrics
/// and a thread hop; its clock is a fake that never moves, so batches close by count, as under load,
/// never by age. Auditing is off (its cost: <see cref="AuditBenchmarks"/>).</para>
/// </remarks>
[MemoryDiagnoser]
public class StoreWriteBenchmarks
{
    private const int Readings = 5000;

    private readonly IngestOptions _ingest = new();
    private readonly InfluxOptions _influx = new() { Url = "http://influx.invalid:8086", Token = "bench-token" };
    private readonly DrainingHandler _handler = new();
    private IngestEnvelope[] _envelopes = [];
    private List<IngestEnvelope>[] _batches = [];
    private InfluxPointWriter _v1 = null!;
    private InfluxPointWriter _v2 = null!;
    private InfluxClientRequests _client = null!;

    private DirectoryInfo? _data;
    private IngestQueue _queue = null!;
    private DiskSpool _spool = null!;
    private DeadLetterStore _deadLetters = null!;
    private BatchWriter _writer = null!;
    private int _acknowledged;
    private TaskCompletionSource _allAcknowledged = new();

    [Params(1, 50)]
    public int ReadingsPerMessage { get; set; }

    [GlobalSetup(Targets = [nameof(Lines), nameof(V1Request), nameof(V2Request), nameof(V2ClientRequest)])]
    public void Setup()
    {
        var messages = ReadingsPerMessage == 1
            ? FleetMessages.OneReadingEach(Readings)
            : FleetMessages.Records(Readings / ReadingsPerMessage, ReadingsPerMessage);
        _envelopes = [.. messages.Select(m => new IngestEnvelope($"eco/{m[0].Site}/{m[0].Kind.ToName()}/{m[0].Device}", m, Acknowledge, [], Payloads.ReceivedAt))];
        _batches = Batches(_envelopes);
        _v1 = new InfluxPointWriter(MsOptions.Create(new InfluxOptions { Version = 1, Url = _influx.Url, Token = _influx.Token }), _handler);
        _v2 = new InfluxPointWriter(MsOptions.Create(_influx), _handler);
        _client = new InfluxClientRequests(_influx, _handler);
        if (_envelopes.Sum(e => e.Readings.Count) != Readings)
        {
            throw new InvalidOperationException("the envelopes do not hold the readings the benchmark declares");
        }

        Console.WriteLine($"// {_envelopes.Length:N0} messages in {_batches.Length} batches, {_batches.Sum(b => Lines(b).Count):N0} lines");
    }

    [GlobalSetup(Target = nameof(WritePath))]
    public void SetupWritePath()
    {
        Setup();
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _data = Directory.CreateDirectory(Path.Combine(root, $"ecomonitor-bench-store-{Guid.NewGuid():N}"));
        var time = new FakeTimeProvider(Payloads.ReceivedAt);
        var metrics = new IngestMetrics(new RuntimeMetrics());
        var readiness = new ReadinessConditions();
        var health = new StoreHealth();
        var ingest = MsOptions.Create(_ingest);
        var host = MsOptions.Create(new DataDirectoryOptions { DataDirectory = _data.FullName });
        var spoolOptions = MsOptions.Create(new SpoolOptions());
        var deadLetterOptions = MsOptions.Create(new DeadLetterOptions());
        _queue = new IngestQueue(ingest, metrics);
        _deadLetters = new DeadLetterStore(host, deadLetterOptions, new DeadLetterRepublisher(deadLetterOptions, metrics), metrics, time, NullLogger<DeadLetterStore>.Instance, readiness);
        _spool = new DiskSpool(spoolOptions, host, metrics, NullLogger<DiskSpool>.Instance);
        var pipeline = new StoreWritePipeline(MsOptions.Create(_influx), time, NullLogger<StoreWritePipeline>.Instance, metrics, health);
        var store = new StoreWriter(_v2, pipeline, _deadLetters, health, metrics, NullLogger<StoreWriter>.Instance);
        _writer = new BatchWriter(_queue, store, _spool, ingest, spoolOptions, metrics, time, NullLogger<BatchWriter>.Instance, readiness, AuditTrail.None);
        _writer.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_handler.Requests > 0)
        {
            Console.WriteLine($"// {_handler.Requests:N0} requests, {_handler.BodyBytes / _handler.Requests:N0} body bytes each, last to {_handler.LastUri}");
        }

        if (_data is not null)
        {
            _writer.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            _writer.Dispose();
            _spool.Dispose();
            _deadLetters.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _data.Delete(recursive: true);
        }

        _v1.Dispose();
        _v2.Dispose();
        _client.Dispose();
        _handler.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Readings, Description = "batch → lines (BatchWriter's assembly)")]
    public int Lines()
    {
        var lines = 0;
        foreach (var batch in _batches)
        {
            lines += Lines(batch).Count;
        }

        return lines;
    }

    [Benchmark(OperationsPerInvoke = Readings, Description = "lines + v1 /write request")]
    public int V1Request() => Write(_v1);

    [Benchmark(OperationsPerInvoke = Readings, Description = "lines + v2 /api/v2/write request")]
    public int V2Request() => Write(_v2);

    [Benchmark(OperationsPerInvoke = Readings, Description = "lines + v2 request through InfluxDB.Client")]
    public int V2ClientRequest() => Write(_client);

    [Benchmark(OperationsPerInvoke = Readings, Description = "write path: queue → BatchWriter → StoreWriter → v2 → acks")]
    public int WritePath()
    {
        _acknowledged = 0;
        _allAcknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var envelope in _envelopes)
        {
            var queued = _queue.EnqueueAsync(envelope, CancellationToken.None);
            if (!queued.IsCompletedSuccessfully)
            {
                queued.AsTask().GetAwaiter().GetResult();
            }
        }

        _allAcknowledged.Task.GetAwaiter().GetResult();
        return _acknowledged;
    }

    /// <summary>What <see cref="BatchWriter"/>'s <c>FlushAsync</c> makes of a batch before it writes: every reading's line, then the alert lines.</summary>
    private static List<string> Lines(List<IngestEnvelope> batch)
    {
        var readings = new List<Reading>();
        var alertLines = new List<string>();
        foreach (var envelope in batch)
        {
            readings.AddRange(envelope.Readings);
            if (envelope.AlertLines is { } lines)
            {
                alertLines.AddRange(lines);
            }
        }

        return LineProtocol.Format(readings).Concat(alertLines).ToList();
    }

    private int Write(IPointWriter writer)
    {
        var lines = 0;
        foreach (var batch in _batches)
        {
            var batchLines = Lines(batch);
            writer.WriteAsync(batchLines, CancellationToken.None).GetAwaiter().GetResult();
            lines += batchLines.Count;
        }

        return lines;
    }

    /// <summary><see cref="BatchWriter"/>'s cut: a batch takes messages until it has BatchMaxMessages of them or BatchMaxReadings readings.</summary>
    private List<IngestEnvelope>[] Batches(IngestEnvelope[] envelopes)
    {
        var batches = new List<List<IngestEnvelope>>();
        var batch = new List<IngestEnvelope>();
        var readings = 0;
        foreach (var envelope in envelopes)
        {
            if (batch.Count >= _ingest.BatchMaxMessages || readings >= _ingest.BatchMaxReadings)
            {
                batches.Add(batch);
                batch = [];
                readings = 0;
            }

            batch.Add(envelope);
            readings += envelope.Readings.Count;
        }

        if (batch.Count > 0)
        {
            batches.Add(batch);
        }

        return [.. batches];
    }

    private Task Acknowledge(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _acknowledged) == _envelopes.Length)
        {
            _allAcknowledged.TrySetResult();
        }

        return Task.CompletedTask;
    }
}
