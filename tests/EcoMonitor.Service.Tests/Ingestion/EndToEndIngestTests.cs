using System.Globalization;
using System.Text;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Ingestion;

/// <summary>From a sensor's MQTT message to a point in the store, on real servers, for each store.</summary>
public sealed class EndToEndIngestTests(Servers servers)
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.AddHours(-2) is var now
        ? DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds() / 1000 * 1000)
        : default;

    [Theory]
    [InlineData(TestStore.VictoriaMetrics)]
    [InlineData(TestStore.InfluxDb1)]
    public async Task Every_reading_from_mosquitto_pub_and_MQTTnet_is_stored_once_with_its_series_tags_value_and_time(string storeKind)
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"e2e-{Guid.NewGuid():N}"[..16];
        var store = await TestStore.ForAsync(storeKind, servers, site, ct);
        await using var service = await ServiceUnderTest.StartAsync(servers, site, ct, store.ServiceArguments);

        var expected = new HashSet<(string Series, string Device, long Ts, double Value)>();

        // 10 devices × 100 readings through mosquitto_pub, one message per line.
        for (var d = 0; d < 10; d++)
        {
            var device = $"pub-{d:00}";
            var lines = new List<string>();
            for (var i = 0; i < 100; i++)
            {
                var ts = Start.AddSeconds(i).AddMilliseconds(d);
                var value = (d * 100) + (i * 0.5) + 0.25;
                lines.Add(Payload(ts, i, ("pm25", value)));
                expected.Add(("air_pm25", device, ts.ToUnixTimeMilliseconds(), Math.Round(value, 6)));
            }

            await TestPublisher.MosquittoPubLinesAsync(servers.Mosquitto, $"eco/{site}/air/{device}", lines, ct);
        }

        // 1,000 more through MQTTnet, on another kind, with millisecond timestamps in RFC 3339.
        var messages = new List<(string, byte[])>();
        for (var d = 0; d < 10; d++)
        {
            var device = $"net-{d:00}";
            for (var i = 0; i < 100; i++)
            {
                var ts = Start.AddSeconds(i).AddMilliseconds(123 + d);
                var value = (d * 10) + (i * 0.05);
                messages.Add(($"eco/{site}/soil/{device}", Encoding.UTF8.GetBytes(Payload(ts, i, ("moisture", value)))));
                expected.Add(("soil_moisture", device, ts.ToUnixTimeMilliseconds(), Math.Round(value, 6)));
            }
        }

        await TestPublisher.PublishAsync(servers.Mosquitto, messages, ct);

        await Eventually.WaitAsync(() => service.Metrics.MessagesAcknowledged.Value >= 2000, TimeSpan.FromSeconds(60), "2,000 acknowledgements", ct);

        var stored = (await store.ReadAtLeastAsync(expected.Count, ct))
            // VictoriaMetrics keeps about 12 significant digits; the test values have two decimals.
            .Select(r => (r.Series, r.Device, r.Timestamp, Math.Round(r.Value, 6)))
            .ToList();

        Assert.Equal(2000, stored.Count);
        Assert.Equal(expected, stored.ToHashSet());
        Assert.Equal(20, stored.Select(r => (r.Series, r.Device)).Distinct().Count());
        if (storeKind == TestStore.VictoriaMetrics)
        {
            var series = await servers.VictoriaMetrics.ExportAsync($"{{site=\"{site}\"}}", ct);
            Assert.All(series, s => Assert.Equal(["__name__", "device", "site"], s.Metric.Keys.Order()));
        }

        Assert.Equal(2000, service.Metrics.ReadingsStored.Value);
        Assert.Equal(0, service.Metrics.DeadLettered.Value);

        // Each acknowledgement's lag is observed, just after it is counted.
        var lag = service.Metrics.AcknowledgementLag;
        await Eventually.WaitAsync(() => lag.Count == 2000, TimeSpan.FromSeconds(5), "2,000 acknowledgement lags", ct);
        Assert.InRange(lag.Sum / lag.Count, 1e-6, 60);
    }

    internal static string Payload(DateTimeOffset ts, long seq, params (string Metric, double Value)[] readings)
    {
        var values = string.Join(",", readings.Select(r => string.Create(CultureInfo.InvariantCulture, $"\"{r.Metric}\":{r.Value:R}")));
        return string.Create(CultureInfo.InvariantCulture, $"{{\"ts\":\"{ts:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\",\"seq\":{seq},\"readings\":{{{values}}}}}");
    }
}
