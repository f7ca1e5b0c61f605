using System.Globalization;
using System.Text;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Ingestion;

/// <summary>From a sensor's MQTT message to a point in the store, on real servers.</summary>
public sealed class EndToEndIngestTests(Servers servers)
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.AddHours(-2) is var now
        ? DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds() / 1000 * 1000)
        : default;

    [Fact]
    public async Task Every_reading_from_mosquitto_pub_and_MQTTnet_is_stored_once_with_its_series_tags_value_and_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"e2e-{Guid.NewGuid():N}"[..16];
        await using var service = await ServiceUnderTest.StartAsync(servers, site, ct);

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

        var series = await servers.VictoriaMetrics.ExportAtLeastAsync($"{{site=\"{site}\"}}", expected.Count, ct);
        var stored = series
            // VictoriaMetrics keeps about 12 significant digits; the test values have two decimals.
            .SelectMany(s => s.Samples.Select(p => (s.Name, s.Metric["device"], p.Timestamp, Math.Round(p.Value, 6))))
            .ToList();

        Assert.Equal(2000, stored.Count);
        Assert.Equal(expected, stored.ToHashSet());
        Assert.All(series, s => Assert.Equal(["__name__", "device", "site"], s.Metric.Keys.Order()));
        Assert.Equal(20, series.Count);
        Assert.Equal(2000, service.Metrics.ReadingsStored.Value);
        Assert.Equal(0, service.Metrics.DeadLettered.Value);
    }

    internal static string Payload(DateTimeOffset ts, long seq, params (string Metric, double Value)[] readings)
    {
        var values = string.Join(",", readings.Select(r => string.Create(CultureInfo.InvariantCulture, $"\"{r.Metric}\":{r.Value:R}")));
        return string.Create(CultureInfo.InvariantCulture, $"{{\"ts\":\"{ts:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\",\"seq\":{seq},\"readings\":{{{values}}}}}");
    }
}
