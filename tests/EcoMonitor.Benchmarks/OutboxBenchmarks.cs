using BenchmarkDotNet.Attributes;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Outbox;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// One notification through <see cref="NotificationOutbox"/> as the engine and a channel worker
/// move it: append (durable), read what the channel has pending, mark it delivered; with 100,000
/// notifications already in the journal (delivered, kept as the engine's journal until a state
/// save covers them) against an empty journal (the baseline). The files are on tmpfs
/// (<c>/dev/shm</c>, where it exists), so fsync costs next to nothing and the figures show the
/// outbox's own bookkeeping, which is what grows with the journal.
/// </summary>
[MemoryDiagnoser]
public class OutboxBenchmarks
{
    private const int Channels = 2;
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);

    private DirectoryInfo _data = null!;
    private NotificationOutbox _outbox = null!;
    private long _sequence;

    [Params(0, 100_000)]
    public int Journal { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        _data = Directory.CreateDirectory(Path.Combine(root, $"ecomonitor-bench-outbox-{Guid.NewGuid():N}"));
        _outbox = new NotificationOutbox(
            MsOptions.Create(new DataDirectoryOptions { DataDirectory = _data.FullName }),
            MsOptions.Create(new NotificationOptions()),
            new NotificationMetrics(new RuntimeMetrics()),
            NullLogger<NotificationOutbox>.Instance);
        for (var c = 0; c < Channels; c++)
        {
            _outbox.Register($"channel-{c}");
        }

        var batch = new List<AlertNotification>(1000);
        while (_sequence < Journal)
        {
            batch.Add(Next());
            if (batch.Count == batch.Capacity || _sequence == Journal)
            {
                _outbox.Append(batch);
                batch.Clear();
            }
        }

        for (var c = 0; c < Channels; c++)
        {
            _outbox.MarkDelivered($"channel-{c}", _sequence);
        }

        Console.WriteLine($"// journal: {_outbox.After(0).Count:N0} notifications");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _outbox.Dispose();
        _data.Delete(recursive: true);
    }

    [Benchmark(Description = "Append 1 + Pending + MarkDelivered, 2 channels")]
    public int AppendAndDeliver()
    {
        _outbox.Append([Next()]);
        var delivered = 0;
        for (var c = 0; c < Channels; c++)
        {
            var pending = _outbox.Pending($"channel-{c}", 100);
            _outbox.MarkDelivered($"channel-{c}", pending[^1].Sequence);
            delivered += pending.Count;
        }

        return delivered;
    }

    private AlertNotification Next()
    {
        var sequence = ++_sequence;
        var device = $"node-{sequence % 10_000:00000}";
        var id = AlertInstance.IdFor("pm25-high", SensorKind.Air, "site-001", device, "pm25", Start);
        return new AlertNotification(
            sequence, $"{id}:{sequence}", id, NotificationState.Firing, NotificationReason.Started, "pm25-high", AlertSeverity.Warning,
            SensorKind.Air, "site-001", device, "pm25", 80, 75, Start, null, Start, false, null, 0, null);
    }
}
