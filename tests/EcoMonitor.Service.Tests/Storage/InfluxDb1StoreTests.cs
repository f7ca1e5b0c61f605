using System.Text;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>
/// The service with <c>Influx:Version</c> 1 against a real InfluxDB 1.x (<c>influxd</c>), readings
/// published on mosquitto: stored, rewritten in place, a field-type conflict isolated to its
/// point, refused credentials and a missing database spooled and reported until they are fixed.
/// </summary>
public sealed class InfluxDb1StoreTests(Servers servers) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds() / 1000 * 1000);
    private InfluxDb1Server _open = null!;
    private InfluxDb1Server _secured = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _open = await InfluxDb1Server.StartAsync(authEnabled: false, ct);
        _secured = await InfluxDb1Server.StartAsync(authEnabled: true, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _open.DisposeAsync();
        await _secured.DisposeAsync();
    }

    [Fact]
    public async Task Readings_are_stored_and_a_redelivered_point_overwrites_itself()
    {
        var ct = TestContext.Current.CancellationToken;
        var (site, db) = await NewDatabaseAsync(_open, ct);
        await using var service = await StartAsync(site, _open, db, ct);

        await PublishAsync(site, "d1", "pm25", 0, 50, ct);
        await Eventually.WaitAsync(() => service.Metrics.ReadingsStored.Value >= 50, Deadline, "50 readings stored", ct);
        Assert.Equal(50, await _open.CountAsync(db, "air", "pm25", ct));

        // The same readings again (as the broker redelivers): same series, time and value, so the same 50 points.
        await PublishAsync(site, "d1", "pm25", 0, 50, ct);
        await Eventually.WaitAsync(() => service.Metrics.ReadingsStored.Value >= 100, Deadline, "the redelivery stored", ct);
        Assert.Equal(50, await _open.CountAsync(db, "air", "pm25", ct));
        using var first = await _open.QueryAsync($"SELECT \"pm25\", \"device\", \"site\" FROM \"air\" ORDER BY time LIMIT 1", ct, db);
        var row = first.RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values")[0];
        Assert.Equal(0.25, row[1].GetDouble());
        Assert.Equal("d1", row[2].GetString());
        Assert.Equal(site, row[3].GetString());
        Assert.Equal(0, service.Metrics.DeadLettered.Value);
    }

    [Fact]
    public async Task A_field_type_conflict_dead_letters_the_one_bad_point_with_its_reason_and_stores_the_rest()
    {
        var ct = TestContext.Current.CancellationToken;
        var (site, db) = await NewDatabaseAsync(_open, ct);

        // pm10 is a string in this shard already: InfluxDB 1.x answers a float pm10 with 400 "partial write: field type conflict".
        var ms = Start.ToUnixTimeMilliseconds();
        await _open.WriteAsync(db, $"air,site=other,device=x pm10=\"text\" {ms}", ct);
        await using var service = await StartAsync(site, _open, db, ct);

        await PublishAsync(site, "d1", "pm25", 0, 10, ct);
        await PublishAsync(site, "d1", "pm10", 10, 1, ct);
        await PublishAsync(site, "d1", "pm25", 11, 10, ct);
        await Eventually.WaitAsync(() => service.Metrics.MessagesAcknowledged.Value >= 21, Deadline, "21 acknowledgements", ct);

        Assert.Equal(20, await _open.CountAsync(db, "air", "pm25", ct));
        Assert.Equal(20, service.Metrics.ReadingsStored.Value);
        var deadLetter = Assert.Single(Directory.GetFiles(service.DeadLetterDirectory).SelectMany(File.ReadAllLines));
        Assert.Contains("\"code\":\"store-rejected\"", deadLetter, StringComparison.Ordinal);
        Assert.Contains("field type conflict", deadLetter, StringComparison.Ordinal);
        Assert.Contains("pm10=", deadLetter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_credentials_spool_and_make_the_service_not_ready_until_the_user_exists_then_every_reading_is_stored()
    {
        var ct = TestContext.Current.CancellationToken;
        var (site, db) = await NewDatabaseAsync(_secured, ct);
        await using var service = await StartAsync(site, _secured, db, ct, "--Influx:Username=eco", "--Influx:Password=eco-secret");

        await PublishAsync(site, "d1", "pm25", 0, 30, ct);
        await Eventually.WaitAsync(() => service.Metrics.ReadingsSpooled.Value >= 30, Deadline, "30 readings spooled", ct);
        var refused = await Readiness.ReadAsync(service.BaseAddress, ct);
        Assert.Equal(503, refused.Status);
        Assert.Contains("401", refused.Body, StringComparison.Ordinal);

        // The operator's fix: the user the service is configured with.
        await _secured.QueryAsync("CREATE USER eco WITH PASSWORD 'eco-secret'", ct);
        await _secured.QueryAsync($"GRANT WRITE ON \"{db}\" TO eco", ct);
        await Eventually.WaitAsync(async () => await _secured.CountAsync(db, "air", "pm25", ct) == 30, Deadline, "the spooled readings stored", ct);
        await Eventually.WaitAsync(async () => (await Readiness.ReadAsync(service.BaseAddress, ct)).Status == 200, Deadline, "ready again", ct);
    }

    [Fact]
    public async Task A_missing_database_is_reported_and_the_spooled_readings_are_stored_once_it_exists()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"i1-{Guid.NewGuid():N}"[..16];
        var db = "db_" + site.Replace('-', '_');
        await using var service = await StartAsync(site, _open, db, ct);

        await PublishAsync(site, "d1", "pm25", 0, 30, ct);
        await Eventually.WaitAsync(() => service.Metrics.ReadingsSpooled.Value >= 30, Deadline, "30 readings spooled", ct);
        var missing = await Readiness.ReadAsync(service.BaseAddress, ct);
        Assert.Equal(503, missing.Status);
        Assert.Contains("database not found", missing.Body, StringComparison.Ordinal);
        Assert.Contains("404", missing.Body, StringComparison.Ordinal);

        await _open.QueryAsync($"CREATE DATABASE \"{db}\"", ct);
        await Eventually.WaitAsync(async () => await _open.CountAsync(db, "air", "pm25", ct) == 30, Deadline, "the spooled readings stored", ct);
    }

    private static async Task<(string Site, string Database)> NewDatabaseAsync(InfluxDb1Server server, CancellationToken ct)
    {
        var site = $"i1-{Guid.NewGuid():N}"[..16];
        var db = "db_" + site.Replace('-', '_');
        await server.QueryAsync($"CREATE DATABASE \"{db}\"", ct);
        return (site, db);
    }

    private Task<ServiceUnderTest> StartAsync(string site, InfluxDb1Server server, string db, CancellationToken ct, params string[] extra) =>
        ServiceUnderTest.StartAsync(servers, site, ct,
        [
            "--Influx:Version=1",
            $"--Influx:Url={server.Url}",
            $"--Influx:Bucket={db}",
            "--Influx:BreakDuration=00:00:01",
            "--Spool:ReplayPollInterval=00:00:00.200",
            .. extra,
        ]);

    /// <summary>Readings metric = i + 0.25 at Start + i s, for i in [from, from + count), one message each.</summary>
    private async Task PublishAsync(string site, string device, string metric, int from, int count, CancellationToken ct)
    {
        var messages = Enumerable.Range(from, count)
            .Select(i => ($"eco/{site}/air/{device}", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(Start.AddSeconds(i), i, (metric, i + 0.25)))))
            .ToList();
        await TestPublisher.PublishAsync(servers.Mosquitto, messages, ct);
    }
}
