using System.Globalization;
using System.Text;
using System.Text.Json;
using EcoMonitor.Service.Tests.Faults;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;
using static EcoMonitor.Service.Tests.Faults.FaultMetrics;

namespace EcoMonitor.Service.Tests.Mqtt;

/// <summary>
/// The operator edits <c>Mqtt:Subscriptions</c> and restarts the service with the same
/// <c>Mqtt:ClientId</c>: the broker resumes the persistent session, which still holds the old
/// subscriptions. The service as a child process, on its own mosquitto (a <c>tele/+/SENSOR</c>
/// filter sees every Tasmota topic of the broker), storing to VictoriaMetrics.
/// </summary>
public sealed class SubscriptionChangeTests(Servers servers)
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 120_000)]
    public async Task After_a_restart_on_the_same_session_an_added_subscription_delivers_a_removed_one_does_not_and_messages_queued_meanwhile_are_all_stored()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = FaultTraffic.NewSite("subs");
        var clientId = $"test-{Guid.NewGuid():N}";
        var data = Directory.CreateTempSubdirectory("ecomonitor-data-");
        await using var broker = await MosquittoServer.StartAsync(ct);
        var store = servers.VictoriaMetrics;
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-20).ToUnixTimeSeconds());
        var expected = new HashSet<StoredPoint>();
        // A native message on {root}/{site}/air/{device}; the point it must become, if it is to be stored.
        (string, byte[]) Native(string root, string device, int i, double value, bool stored = true)
        {
            var ts = t0.AddSeconds(i);
            if (stored)
            {
                expected.Add(new StoredPoint("air_pm25", device, ts.ToUnixTimeMilliseconds(), value));
            }

            return ($"{root}/{site}/air/{device}", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(ts, i, ("pm25", value))));
        }

        var kept = $"eco/{site}/+/+";
        var removed = $"old/{site}/+/+";

        // Subscribed besides Mqtt:Subscriptions (the test's Mqtt:StatusFilter, docs/mqtt.md#node-status).
        var status = $"eco/{site}/+/+/status";
        const string added = "tele/+/SENSOR";
        Readiness firstRun;
        try
        {
            // First run: the native subscription and one on old/{site}/…, which both deliver.
            await using (var first = await ServiceProcess.StartAsync(broker, store, site, ct, clientId, data, extraArgs:
            [
                $"--Mqtt:Subscriptions:1:Topic=old/{site}/{{kind}}/{{device}}",
                "--Mqtt:Subscriptions:1:Format=native",
                $"--Mqtt:Subscriptions:1:Site={site}",
            ]))
            {
                firstRun = await Readiness.ReadAsync(first.BaseAddress, ct);
                await TestPublisher.PublishAsync(broker, [Native("eco", "n1", 0, 1), Native("old", "n-old", 1, 2)], ct);
                await first.WaitForMetricAsync(Acknowledged, v => v >= 2, TimeSpan.FromSeconds(20), "both messages of the first run acknowledged", ct);
                Assert.Equal(0, await first.ReadMetricAsync("ecomonitor_dead_lettered_messages_total", ct));

                await first.TerminateAsync();
                Assert.NotNull(await first.WaitForExitAsync(StopTimeout));
            }

            // While the service is down: messages for the kept filter queue in the session.
            var queued = Enumerable.Range(0, 20).Select(i => Native("eco", $"n{i % 4}", 100 + i, 10 + i)).ToList();
            await TestPublisher.PublishAsync(broker, queued, ct);

            // Second run, same client id and data directory: old/… left the configuration, a
            // Tasmota subscription joined it.
            await using var second = await ServiceProcess.StartAsync(broker, store, site, ct, clientId, data, extraArgs:
            [
                "--Mqtt:Subscriptions:1:Topic=tele/{device}/SENSOR",
                "--Mqtt:Subscriptions:1:Format=tasmota",
                "--Mqtt:Subscriptions:1:Kind=air",
                $"--Mqtt:Subscriptions:1:Site={site}",
            ]);
            var tasmotaDevice = $"{site}-t1";
            var tasmotaTs = t0.AddSeconds(200);
            var tasmota = string.Create(
                CultureInfo.InvariantCulture,
                $$"""{"Time":"{{tasmotaTs:yyyy-MM-dd'T'HH:mm:ss}}","BME280":{"Temperature":21.5,"Pressure":1000.5},"TempUnit":"C","PressureUnit":"hPa"}""");
            expected.Add(new StoredPoint("air_temperature", tasmotaDevice, tasmotaTs.ToUnixTimeMilliseconds(), 21.5));
            expected.Add(new StoredPoint("air_pressure", tasmotaDevice, tasmotaTs.ToUnixTimeMilliseconds(), 1000.5));

            // The broker hands a session its messages in the order they arrived: once the last
            // native one is acknowledged, the removed filter's and the Tasmota one came before it.
            await TestPublisher.PublishAsync(
                broker,
                [Native("old", "n-old", 300, 3, stored: false), ($"tele/{tasmotaDevice}/SENSOR", Encoding.UTF8.GetBytes(tasmota)), Native("eco", "n1", 301, 4)],
                ct);
            await second.WaitForMetricAsync(Acknowledged, v => v >= queued.Count + 1, TimeSpan.FromSeconds(30), "the queued messages and the last native one acknowledged", ct);

            var traffic = FaultTraffic.PointsOf(await store.ExportAtLeastAsync($"{{site=\"{site}\"}}", expected.Count, ct));
            Assert.Equal(expected.OrderBy(p => p.ToString(), StringComparer.Ordinal), traffic.OrderBy(p => p.ToString(), StringComparer.Ordinal));

            var metrics = await second.ReadMetricsAsync(ct);
            Assert.Equal(queued.Count + 2, metrics[Received]);
            Assert.Equal(queued.Count + 2, metrics[Acknowledged]);
            Assert.Equal(0, metrics.GetValueOrDefault("ecomonitor_dead_lettered_messages_total"));

            Assert.Equal([kept, removed, status], Filters(firstRun, "filters"));
            Assert.False(firstRun.Detail("subscriptions").GetProperty("sessionPresent").GetBoolean());
            var afterRestart = await Readiness.ReadAsync(second.BaseAddress, ct);
            Assert.Equal(200, afterRestart.Status);
            Assert.Equal([kept, added, status], Filters(afterRestart, "filters"));
            Assert.Equal([removed], Filters(afterRestart, "unsubscribed"));
            var detail = afterRestart.Detail("subscriptions");
            Assert.True(detail.GetProperty("sessionPresent").GetBoolean());
            Assert.True(detail.GetProperty("saved").GetBoolean());

            using var saved = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(data.FullName, "state", "subscriptions.json"), ct));
            Assert.Equal([kept, added, status], saved.RootElement.GetProperty("filters").EnumerateArray().Select(f => f.GetString()!));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static string[] Filters(Readiness readiness, string property) =>
        [.. readiness.Detail("subscriptions").GetProperty(property).EnumerateArray().Select(f => f.GetString()!)];
}
