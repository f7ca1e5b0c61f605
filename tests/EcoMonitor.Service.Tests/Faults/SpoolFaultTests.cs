using System.Diagnostics;
using System.Globalization;
using EcoMonitor.Ingest.Storage.Spool;
using EcoMonitor.Service.Tests.Fixtures;
using static EcoMonitor.Service.Tests.Faults.FaultLog;
using static EcoMonitor.Service.Tests.Faults.FaultMetrics;

namespace EcoMonitor.Service.Tests.Faults;

/// <summary>
/// The disk spool under real outages: the store stopped mid-stream, the spool filling up, a
/// damaged segment at start-up. Each case checks the exact set of stored points.
/// </summary>
[Collection(FaultInjectionCollection.Name)]
public sealed class SpoolFaultTests
{

    /// <summary>The issue asks for an outage of at least 30 s.</summary>
    private static readonly TimeSpan OutageDuration = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Case 2: the store down for 30 s mid-stream; readings go to the spool and come back.</summary>
    [Fact(Timeout = 180_000)]
    public async Task Store_stopped_for_30_s_mid_stream_the_spool_takes_the_readings_and_replays_them_all()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        var traffic = FaultTraffic.Build(FaultTraffic.NewSite("outage"), devices: 10, messagesPerDevice: 300, readingsPerMessage: 2);
        var (before, during, after) = Split(traffic);
        await using var broker = await MosquittoServer.StartAsync(ct);
        await using var store = await VictoriaMetricsServer.StartAsync(ct);
        await using var service = await ServiceProcess.StartAsync(broker, store, traffic.Site, ct, extraArgs: ["--Influx:BreakDuration=00:00:02"]);
        await using var publisher = new FaultPublisher(broker);

        Assert.True((await publisher.PublishAsync(before, PublishTimeout, ct)).Completed);
        await service.WaitForMetricAsync(Stored, v => v >= before.Count * 2, Deadline, "the first third stored", ct);

        // A graceful stop: VictoriaMetrics keeps the last second in memory and would lose it to SIGKILL.
        await store.TerminateAsync();
        var outage = Stopwatch.StartNew();
        Assert.True((await publisher.PublishAsync(during, PublishTimeout, ct)).Completed);
        await service.WaitForMetricAsync(Spooled, v => v >= during.Count * 2, Deadline, "the second third spooled", ct);
        var spoolDuringOutage = await service.ReadMetricAsync(SpoolBytes, ct);
        var segmentsDuringOutage = Directory.GetFiles(SpoolDirectory(service), "*.seg").Length;
        Assert.True(spoolDuringOutage > 0);

        if (outage.Elapsed < OutageDuration)
        {
            await Task.Delay(OutageDuration - outage.Elapsed, ct);
        }

        await store.StartAgainAsync(ct);
        var outageLasted = outage.Elapsed;
        Assert.True((await publisher.PublishAsync(after, PublishTimeout, ct)).Completed);

        await traffic.WaitUntilStoredAsync(store, traffic.Expected.Count, Deadline, ct);
        await service.WaitForMetricAsync(SpoolBytes, v => v == 0, Deadline, "the spool to drain", ct);
        var metrics = await service.ReadMetricsAsync(ct);
        var comparison = await traffic.CompareAsync(store, traffic.Expected, ct);

        Log($"""
            case 2 (store outage): outage {outageLasted.TotalSeconds:F1} s; during it the spool grew to {spoolDuringOutage} bytes in {segmentsDuringOutage} segment(s)
            spooled {metrics[Spooled]} readings, replayed {metrics[Replayed]}, stored {metrics[Stored]} in all; spool now {metrics[SpoolBytes]} bytes
            store: {comparison}; total {clock.Elapsed.TotalSeconds:F1} s
            """);
        Assert.True(comparison.IsExact, comparison.ToString());
        Assert.Equal(metrics[Spooled], metrics[Replayed]);
        Assert.Empty(Directory.GetFiles(SpoolDirectory(service), "*.seg"));
    }

    /// <summary>Case 6: the store down and the spool full; acknowledgements stop, memory stays bounded, nothing is lost.</summary>
    [Fact(Timeout = 180_000)]
    public async Task With_the_spool_full_acknowledgements_stop_memory_stays_bounded_and_nothing_is_lost()
    {
        const int receiveMaximum = 200;
        var ct = TestContext.Current.CancellationToken;
        var traffic = FaultTraffic.Build(FaultTraffic.NewSite("full"), devices: 10, messagesPerDevice: 1000);
        var first = traffic.ForPublisher()[..500];
        var rest = traffic.ForPublisher()[500..];
        await using var broker = await MosquittoServer.StartAsync(ct);
        await using var store = await VictoriaMetricsServer.StartAsync(ct);
        await using var service = await ServiceProcess.StartAsync(
            broker,
            store,
            traffic.Site,
            ct,
            extraArgs:
            [
                "--Spool:MaxBytes=40000",
                "--Spool:SegmentBytes=8192",
                "--Spool:FullRetryInterval=00:00:00.500",
                string.Create(CultureInfo.InvariantCulture, $"--Mqtt:ReceiveMaximum={receiveMaximum}"),
                "--Ingest:BatchMaxMessages=100",
                "--Influx:BreakDuration=00:00:02",

                // The hold below lasts longer than the keep-alive: the connection must survive it.
                "--Mqtt:KeepAlive=00:00:02",
            ]);
        await using var publisher = new FaultPublisher(broker);

        Assert.True((await publisher.PublishAsync(first, PublishTimeout, ct)).Completed);
        await service.WaitForMetricAsync(Stored, v => v >= first.Count, Deadline, "the first 500 readings stored", ct);
        var rssBefore = service.ResidentMemoryBytes;

        await store.TerminateAsync();
        var published = await publisher.PublishAsync(rest, PublishTimeout, ct);
        Assert.True(published.Completed, published.ToString());

        // Held back. The in-flight window is bounded by our queue: mosquitto 2.0.11 does not keep
        // to the receive maximum once acknowledgements have flowed (it grants a whole window per
        // PUBACK), so "received - acknowledged" can pass it; it stops growing all the same.
        await service.WaitForMetricAsync(SpoolFull, v => v == 1, Deadline, "the spool to be full", ct);
        var held = await WaitForHeldAsync(service, receiveMaximum, ct);
        var ready = await service.GetStatusAsync("/health/ready", ct);
        var rssSamples = new List<long>();
        for (var i = 0; i < HoldSamples; i++)
        {
            rssSamples.Add(service.ResidentMemoryBytes);
            await Task.Delay(SamplePause, ct);
        }

        var stillHeld = await service.ReadMetricsAsync(ct);
        Assert.Equal(held[Acknowledged], stillHeld[Acknowledged]);
        Assert.Equal(503, ready);
        Assert.Equal(0, stillHeld[Redelivered]);
        Assert.DoesNotContain("Disconnected from the broker", service.Output, StringComparison.Ordinal);

        await store.StartAgainAsync(ct);
        await traffic.WaitUntilStoredAsync(store, traffic.Expected.Count, Deadline, ct);
        await service.WaitForMetricAsync(SpoolBytes, v => v == 0, Deadline, "the spool to drain", ct);
        var metrics = await service.ReadMetricsAsync(ct);
        var comparison = await traffic.CompareAsync(store, traffic.Expected, ct);

        Log($"""
            case 6 (spool full): spool bound 40000 bytes; at the hold the service had received {held[Received]} messages and acknowledged {held[Acknowledged]} ({held[Received] - held[Acknowledged]} in flight, receive maximum {receiveMaximum}); the broker held {traffic.Messages.Count - held[Received]} more
            spool {held[SpoolBytes]} bytes; acknowledged after {SamplePause.TotalSeconds * HoldSamples:F1} s more: {stillHeld[Acknowledged]}; /health/ready {ready}
            RSS before the outage {rssBefore / 1048576.0:F0} MiB; while held {string.Join(", ", rssSamples.Select(r => (r / 1048576.0).ToString("F0", CultureInfo.InvariantCulture)))} MiB
            after recovery: spooled {metrics[Spooled]}, replayed {metrics[Replayed]}, stored {metrics[Stored]}; store: {comparison}
            """);
        Assert.True(comparison.IsExact, comparison.ToString());

        // Bounded: the backlog of 9,500 messages stays at the broker, not in our memory.
        Assert.All(rssSamples, rss => Assert.True(rss < 400L * 1024 * 1024, $"RSS {rss} bytes"));
    }

    /// <summary>Case 7: a segment torn at its end (a crash mid-append) is found at start-up; the intact part is replayed.</summary>
    [Fact(Timeout = 120_000)]
    public async Task A_truncated_spool_segment_is_replayed_up_to_the_damage_and_the_damage_is_reported()
    {
        var ct = TestContext.Current.CancellationToken;
        var traffic = FaultTraffic.Build(FaultTraffic.NewSite("torn"), devices: 5, messagesPerDevice: 100, readingsPerMessage: 2);
        var data = Directory.CreateTempSubdirectory("ecomonitor-torn-");
        var spool = Directory.CreateDirectory(Path.Combine(data.FullName, "spool"));

        // Ten intact records of 50 messages each, then the first 30 bytes of an eleventh.
        var segment = Path.Combine(spool.FullName, "0000000000000007.seg");
        var records = traffic.Messages.Chunk(50).ToList();
        var expected = new HashSet<StoredPoint>();
        await using (var file = File.Create(segment))
        {
            foreach (var record in records[..^1])
            {
                await file.WriteAsync(SpoolRecordFormat.Encode([.. record.Select(m => LineOf(traffic.Site, m))]), ct);
                expected.UnionWith(record.SelectMany(m => m.Points));
            }

            await file.WriteAsync(SpoolRecordFormat.Encode([.. records[^1].Select(m => LineOf(traffic.Site, m))]).AsMemory(0, 30), ct);
        }

        await using var broker = await MosquittoServer.StartAsync(ct);
        await using var store = await VictoriaMetricsServer.StartAsync(ct);
        await using var service = await ServiceProcess.StartAsync(broker, store, traffic.Site, ct, dataDirectory: data);

        await traffic.WaitUntilStoredAsync(store, expected.Count, Deadline, ct);
        await service.WaitForMetricAsync(SpoolBytes, v => v == 0, Deadline, "the spool to drain", ct);
        var metrics = await service.ReadMetricsAsync(ct);
        var comparison = await traffic.CompareAsync(store, expected, ct);

        Log($"case 7 (torn segment): replayed {metrics[Replayed]} readings of {expected.Count}; damaged bytes {metrics[SpoolDamaged]}; store: {comparison}");
        Assert.True(comparison.IsExact, comparison.ToString());
        Assert.Equal(30, metrics[SpoolDamaged]);
        Assert.Equal(expected.Count, metrics[Replayed]);
        Assert.True(File.Exists(Path.Combine(spool.FullName, "damaged", Path.GetFileName(segment))));
        Assert.Contains("damaged", service.Output, StringComparison.Ordinal);
        data.Delete(recursive: true);
    }

    private const int HoldSamples = 15;
    private static readonly TimeSpan SamplePause = TimeSpan.FromMilliseconds(400);

    /// <summary>Waits until the broker has filled the service's window and the service holds it: nothing more can come.</summary>
    private static Task<IReadOnlyDictionary<string, double>> WaitForHeldAsync(ServiceProcess service, int receiveMaximum, CancellationToken ct) =>
        service.WaitForMetricsAsync(
            metrics => metrics[Received] - metrics[Acknowledged] >= receiveMaximum && metrics[SpoolFull] == 1,
            Deadline,
            TimeSpan.FromMilliseconds(100),
            $"{receiveMaximum} messages held unacknowledged",
            ct);

    private static (List<(string, byte[])> Before, List<(string, byte[])> During, List<(string, byte[])> After) Split(FaultTraffic traffic)
    {
        var all = traffic.ForPublisher();
        var third = all.Count / 3;
        return (all[..third], all[third..(2 * third)], all[(2 * third)..]);
    }

    private static string LineOf(string site, TrafficMessage message)
    {
        var first = message.Points[0];
        var kind = first.Series[..first.Series.IndexOf('_', StringComparison.Ordinal)];
        var fields = string.Join(",", message.Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Series[(kind.Length + 1)..]}={p.Value:R}")));
        return string.Create(CultureInfo.InvariantCulture, $"{kind},device={first.Device},site={site} {fields} {first.Timestamp}");
    }

    private static string SpoolDirectory(ServiceProcess service) => Path.Combine(service.DataDirectory.FullName, "spool");
}
