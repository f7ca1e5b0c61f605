using System.Text;
using EcoMonitor.Core.Audit;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Ingest.Storage.Readback;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Configuration;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>Reading a site's readings back from each real store, as <c>audit verify-readings</c> does (docs/audit.md#verifying-readings).</summary>
public sealed class StoredReadingsTests(Servers servers)
{
    private static readonly long T0 = DateTimeOffset.UtcNow.AddHours(-3).ToUnixTimeMilliseconds() / 1000 * 1000;

    [Theory(Timeout = 120_000)]
    [InlineData(ReadbackApi.VictoriaMetrics)]
    [InlineData(ReadbackApi.InfluxQl)]
    public async Task A_sites_readings_in_the_range_are_read_back_with_their_series_time_and_value_and_nothing_else(ReadbackApi api)
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"rb-{Guid.NewGuid():N}"[..14];
        var lines = new[]
        {
            $"air,device=air-01,site={site} pm25=35.25,pm10=61 {T0}",
            $"air,device=air-02,site={site} pm25=12.5 {T0 + 1000}",
            $"water,device=w-01,site={site} ph=7.42 {T0 + 2000}",
            // Outside the range, another site, and an alert transition: none is read.
            $"air,device=air-01,site={site} pm25=99 {T0 + 3_600_000}",
            $"air,device=air-01,site={site}-other pm25=1 {T0}",
            $"alert,device=air-01,kind=air,metric=pm25,rule=r,severity=warning,site={site},state=firing firing=1,value=80,threshold=75 {T0}",
        };
        var settings = new Dictionary<string, string?>();
        if (api == ReadbackApi.VictoriaMetrics)
        {
            using var http = new HttpClient();
            using var body = new StringContent(string.Join('\n', lines.Select(l => l + "000000")), Encoding.UTF8);
            (await http.PostAsync(new Uri(servers.VictoriaMetrics.Url + "/write"), body, ct)).EnsureSuccessStatusCode();
            await servers.VictoriaMetrics.ForceFlushAsync(ct);
            settings["Influx:Url"] = servers.VictoriaMetrics.Url;
        }
        else
        {
            var influx = await servers.InfluxDb1Async(ct);
            var db = "rb_" + site.Replace('-', '_');
            await influx.QueryAsync($"CREATE DATABASE \"{db}\"", ct);
            await influx.WriteAsync(db, string.Join('\n', lines), ct);
            settings["Influx:Url"] = influx.Url;
            settings["Influx:Version"] = "1";
            settings["Influx:Bucket"] = db;
        }

        using var reader = StoredReadings.Create(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), api);
        var read = await reader.ReadAsync(site, DateTimeOffset.FromUnixTimeMilliseconds(T0), DateTimeOffset.FromUnixTimeMilliseconds(T0 + 60_000), ct);

        Assert.Equal(
            new HashSet<StoredPoint>
            {
                new(new PointKey("air", site, "air-01", "pm25", T0), 35.25),
                new(new PointKey("air", site, "air-01", "pm10", T0), 61),
                new(new PointKey("air", site, "air-02", "pm25", T0 + 1000), 12.5),
                new(new PointKey("water", site, "w-01", "ph", T0 + 2000), 7.42),
            },
            read.Select(p => p with { Value = Math.Round(p.Value, 6) }).ToHashSet());
        Assert.Equal(4, read.Count);
    }
}
