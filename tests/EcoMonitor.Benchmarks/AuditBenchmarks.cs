using BenchmarkDotNet.Attributes;
using EcoMonitor.Audit.Log;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Storage;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Runtime.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// What the audit log adds to one store batch of 1,000 readings (docs/audit.md#cost), per reading:
/// the <c>readings</c> record (canonical lines, sorted, hashed) and its bytes, the attachment's
/// gzip frame, and the whole durable append through <see cref="AuditLog"/> (writer, fsync on
/// tmpfs: the log's own work, not the disk's). The baseline is what every batch costs anyway with
/// auditing off: its line protocol for the store.
/// </summary>
[MemoryDiagnoser]
public class AuditBenchmarks
{
    private const int Batch = 1000;
    private static readonly DateTimeOffset At = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);

    private List<Reading> _readings = null!;
    private byte[] _content = null!;
    private DirectoryInfo _root = null!;
    private AuditLog _log = null!;
    private Task _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        // 1,000 devices of two sites, one reading each, as 1 reading per message gives.
        _readings = [.. Enumerable.Range(0, Batch).Select(i => new Reading(
            (SensorKind)(i % 3),
            $"site-{i % 2 + 1:00}",
            $"{(SensorKind)(i % 3)}-{i:0000}".ToLowerInvariant(),
            (i % 3) switch { 0 => "pm25", 1 => "ph", _ => "moisture" },
            12.5 + (i % 97) * 0.37,
            At.ToUnixTimeMilliseconds() + i * 13))];
        _content = ReadingsAuditRecords.Batch(_readings, At)!.Attachment!;

        var shm = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _root = Directory.CreateDirectory(Path.Combine(shm, $"ecomonitor-bench-audit-{Guid.NewGuid():N}"));
        var keyFile = Path.Combine(_root.FullName, "signing.key");
        File.WriteAllText(keyFile, NoteKeys.Generate("bench.example/audit").SignerKey + "\n");
        _log = new AuditLog(
            new AuditFiles(Path.Combine(_root.FullName, "audit")),
            new AuditOptions { SigningKeyFile = keyFile, Origin = "bench.example/audit" },
            new AuditMetrics(new RuntimeMetrics()),
            NullLogger<AuditLog>.Instance);
        _log.Open();
        _writer = Task.Run(() => _log.RunWriterAsync(CancellationToken.None));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Complete();
        _writer.GetAwaiter().GetResult();
        _log.Dispose();
        _root.Delete(recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public int StoreLines() => LineProtocol.Format(_readings).Sum(l => l.Length);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReadingsRecord() => CanonicalJson.Serialize(ReadingsAuditRecords.Batch(_readings, At)!).Length;

    [Benchmark(OperationsPerInvoke = Batch)]
    public int AttachmentFrame() => AttachmentFile.Frame(_content).Length;

    [Benchmark(OperationsPerInvoke = Batch)]
    public long DurableAppend() => _log.AppendAsync(ReadingsAuditRecords.Batch(_readings, At)!, CancellationToken.None).AsTask().GetAwaiter().GetResult();
}
