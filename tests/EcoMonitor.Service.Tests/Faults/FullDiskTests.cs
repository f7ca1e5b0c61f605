using System.Diagnostics;
using EcoMonitor.Service.Tests.Fixtures;
using static EcoMonitor.Service.Tests.Faults.FaultLog;
using static EcoMonitor.Service.Tests.Faults.FaultMetrics;

namespace EcoMonitor.Service.Tests.Faults;

/// <summary>
/// The spool's disk fills up while the store is down: a real small file system (tmpfs) under the
/// service's data directory, filled to ENOSPC. The service must stay up, say why it is not ready,
/// hold the acknowledgements, and store every reading once space and the store return.
/// </summary>
[Collection(FaultInjectionCollection.Name)]
public sealed class FullDiskTests
{
    private const string SpoolDiskFailures = "ecomonitor_disk_write_failures_total{store=\"spool\"}";
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 180_000)]
    public async Task A_full_spool_disk_does_not_stop_the_service_it_holds_acknowledgements_and_every_reading_is_stored_once_space_returns()
    {
        var ct = TestContext.Current.CancellationToken;
        using var disk = SmallFileSystem.MountOrSkip(16 << 20);
        var traffic = FaultTraffic.Build(FaultTraffic.NewSite("disk"), devices: 10, messagesPerDevice: 300, readingsPerMessage: 2);
        var all = traffic.ForPublisher();
        var (before, during) = (all[..500], all[500..]);
        await using var broker = await MosquittoServer.StartAsync(ct);
        await using var store = await VictoriaMetricsServer.StartAsync(ct);
        await using var service = await ServiceProcess.StartAsync(
            broker,
            store,
            traffic.Site,
            ct,
            dataDirectory: disk.Root.CreateSubdirectory("data"),
            extraArgs:
            [
                "--Spool:FullRetryInterval=00:00:00.500",
                "--Ingest:BatchMaxMessages=100",
                "--Influx:BreakDuration=00:00:02",

                // The hold below lasts longer than the keep-alive: the connection must survive it.
                "--Mqtt:KeepAlive=00:00:02",
            ]);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        await using var publisher = new FaultPublisher(broker);

        Assert.True((await publisher.PublishAsync(before, PublishTimeout, ct)).Completed);
        await service.WaitForMetricAsync(Stored, v => v >= before.Count * 2, Deadline, "the first 500 messages stored", ct);

        // The store goes away and the disk has room for a few spool records only.
        await store.TerminateAsync();
        disk.Fill(leaveFree: 32 * 1024);
        var published = await publisher.PublishAsync(during, PublishTimeout, ct);
        Assert.True(published.Completed, published.ToString());

        var failing = await service.WaitForMetricsAsync(m => m.GetValueOrDefault(SpoolDiskFailures) > 0, Deadline, TimeSpan.FromMilliseconds(100), "the spool to hit ENOSPC", ct);

        // Held: three more retries of the spool, and not one more acknowledgement.
        var held = await service.WaitForMetricsAsync(
            m => m.GetValueOrDefault(SpoolDiskFailures) >= failing[SpoolDiskFailures] + 3,
            Deadline,
            TimeSpan.FromMilliseconds(100),
            "three more failed spool appends",
            ct);

        // Asked only now: the spool counts a refused append before the writer raises the condition.
        using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), ct);
        var readyBody = await ready.Content.ReadAsStringAsync(ct);
        Assert.Equal(503, (int)ready.StatusCode);
        Assert.Contains("spool-disk", readyBody, StringComparison.Ordinal);
        Assert.Equal(failing[Acknowledged], held[Acknowledged]);
        Assert.True(held[Received] > held[Acknowledged], "messages should be waiting unacknowledged");
        Assert.Equal(1, held[SpoolFull]);

        // Space returns, then the store.
        var outage = Stopwatch.StartNew();
        disk.Free();
        await service.WaitForMetricAsync(SpoolBytes, v => v > held[SpoolBytes], Deadline, "the spool to take batches again", ct);
        var readyAfterSpace = await service.GetStatusAsync("/health/ready", ct);
        await store.StartAgainAsync(ct);

        await traffic.WaitUntilStoredAsync(store, traffic.Expected.Count, Deadline, ct);
        await service.WaitForMetricAsync(SpoolBytes, v => v == 0, Deadline, "the spool to drain", ct);
        await Eventually.WaitAsync(async () => await service.GetStatusAsync("/health/ready", ct) == 200, Deadline, "/health/ready to answer 200 again", ct);
        var metrics = await service.ReadMetricsAsync(ct);
        var comparison = await traffic.CompareAsync(store, traffic.Expected, ct);

        Log($"""
            full spool disk: {failing[SpoolDiskFailures]} failed append(s) at first, {held[SpoolDiskFailures]} while held; spool {held[SpoolBytes]} bytes on a 16 MiB tmpfs left with 32 KiB
            held: received {held[Received]}, acknowledged {held[Acknowledged]}; /health/ready {(int)ready.StatusCode}: {readyBody}
            after space returned: /health/ready {readyAfterSpace} (store still down); recovered in {outage.Elapsed.TotalSeconds:F1} s
            spooled {metrics[Spooled]}, replayed {metrics[Replayed]}, stored {metrics[Stored]}; store: {comparison}
            """);
        Assert.False(service.HasExited);
        Assert.True(comparison.IsExact, comparison.ToString());
        Assert.Equal(metrics[Spooled], metrics[Replayed]);
    }
}
