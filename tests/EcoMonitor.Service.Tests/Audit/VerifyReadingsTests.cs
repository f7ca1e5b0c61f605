using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EcoMonitor.Audit.Log;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Core.Audit;
using EcoMonitor.FirmwareSim.Firmware;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Ingest.Storage.Readback;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.FirmwareSim;
using Microsoft.Extensions.Configuration;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>
/// <c>audit verify-readings</c> against the real stores after the simulated fleet wrote through the
/// service with auditing on (docs/audit.md#verifying-readings): an untouched store and a logged
/// correction verify clean; one value overwritten, one point deleted and one added behind the
/// service's back are each reported, and nothing else is. Corrections are made on InfluxDB only:
/// VictoriaMetrics 1.79 keeps either of two values written at one time (docs/schema.md#victoriametrics).
/// </summary>
public sealed class VerifyReadingsTests(Servers servers)
{
    private const string Token = "api-token-verify-readings-0123";
    private const string Origin = "eco.example/verify-readings";

    [Fact(Timeout = 180_000)]
    public async Task On_VictoriaMetrics_an_untouched_store_is_clean_and_exactly_the_tampered_points_are_reported()
    {
        var ct = TestContext.Current.CancellationToken;
        await RunAsync(new VictoriaMetricsTamper(servers.VictoriaMetrics), [], correct: false, ct);
    }

    [Fact(Timeout = 180_000)]
    public async Task On_InfluxDB_1x_exactly_the_tampered_points_are_reported_and_a_logged_correction_is_clean()
    {
        var ct = TestContext.Current.CancellationToken;
        var influx = await servers.InfluxDb1Async(ct);
        var db = "vr_" + Guid.NewGuid().ToString("N")[..12];
        await influx.QueryAsync($"CREATE DATABASE \"{db}\"", ct);
        await RunAsync(new InfluxDb1Tamper(influx, db), ["--Influx:Version=1", $"--Influx:Bucket={db}"], correct: true, ct);
    }

    private async Task RunAsync(IStoreTamper store, string[] storeArgs, bool correct, CancellationToken ct)
    {
        var site = $"vr-{Guid.NewGuid():N}"[..14];
        var directory = Directory.CreateTempSubdirectory("ecomonitor-verify-readings-");
        try
        {
            var keys = NoteKeys.Generate(Origin);
            var keyFile = Path.Combine(directory.FullName, "signing.key");
            await File.WriteAllTextAsync(keyFile, keys.SignerKey + "\n", ct);
            var from = DateTimeOffset.UtcNow.AddMinutes(-1);
            string[] settings = [$"--Influx:Url={store.Url}", $"--Influx:ReadApi={store.Api}", .. storeArgs];
            AuditFiles files;
            StoredPoint? corrected = null;
            await using (var service = await ServiceUnderTest.StartAsync(servers, site, ct,
            [
                .. settings,
                $"--Audit:SigningKeyFile={keyFile}",
                $"--Audit:Origin={Origin}",
                "--Audit:CheckpointInterval=00:00:01",
                $"--Api:Token={Token}",
                $"--DataDirectory={Path.Combine(directory.FullName, "data")}",
            ]))
            {
                files = new AuditFiles(Path.Combine(directory.FullName, "data", AuditFiles.DirectoryName));
                var fleet = new FleetOptions
                {
                    Host = servers.Mosquitto.Host,
                    Port = servers.Mosquitto.Port,
                    Sites = 1,
                    NodesPerKind = 2,
                    Interval = TimeSpan.FromMilliseconds(250),
                    Duration = TimeSpan.FromSeconds(3),
                    Protocol = MqttProtocol.Mqtt5,
                    ClientIdPrefix = site,
                };
                var summary = await new FleetSimulator(TimeProvider.System) { Nodes = FleetLayout.OnSite(fleet, site) }.RunAsync(fleet, ct);
                Assert.Equal(0, summary.FailedMessages);
                await Eventually.WaitAsync(() => service.Metrics.MessagesAcknowledged.Value >= summary.Messages, TimeSpan.FromSeconds(60), $"{summary.Messages} acknowledgements", ct);
                var to = DateTimeOffset.UtcNow.AddMinutes(1);
                var logged = await StoreCaughtUpAsync(store, settings, files, site, from, to, ct);
                Assert.True(logged.Count > 50, $"the fleet's readings were logged ({logged.Count})");

                if (correct)
                {
                    corrected = await CorrectAsync(service, logged.First(p => p.Key.Measurement == "air"), settings, ct);
                }
            }

            var to2 = DateTimeOffset.UtcNow.AddMinutes(1);
            string[] verify = ["audit", "verify-readings", "--dir", files.Directory, "--key", keys.VerifierKey, "--site", site, "--from", from.ToString("O"), "--to", to2.ToString("O"), .. settings];

            // Untouched, with the correction logged: clean.
            var clean = await VerbAsync(verify, ct);
            Assert.True(clean.Exit == 0, clean.Output + clean.Error);
            Assert.Contains(correct ? "1 correction(s)" : "0 correction(s)", clean.Output, StringComparison.Ordinal);
            Assert.Contains("0 discrepancy(ies), 0 problem(s)", clean.Output, StringComparison.Ordinal);

            // Behind the service's back: one value overwritten, one point deleted, one added.
            var points = LoggedReadings.Load(files, site, from, to2).Expected
                .Select(p => new StoredPoint(p.Key, p.Value))
                .Where(p => p.Key != corrected?.Key)
                .OrderBy(p => p.Key.TimestampMs).ThenBy(p => p.Key.ToString(), StringComparer.Ordinal)
                .ToList();
            var overwritten = points[points.Count / 4];
            var deletedOne = points.First(p => p.Key.TimestampMs > overwritten.Key.TimestampMs + 500 && p.Key.Measurement != overwritten.Key.Measurement);
            var added = new PointKey(overwritten.Key.Measurement, site, overwritten.Key.Device, overwritten.Key.Metric, overwritten.Key.TimestampMs + 1);
            await store.OverwriteAsync(overwritten.Key, overwritten.Value + 1000, ct);
            var deleted = await store.DeleteAsync(deletedOne.Key, points.Select(p => p.Key).ToList(), ct);
            await store.AddAsync(added, 42.5, ct);
            var expected = new HashSet<string>(StringComparer.Ordinal)
            {
                $"altered: {overwritten.Key}: logged {overwritten.Value.ToString("R", CultureInfo.InvariantCulture)}",
                $"added: {added}: stored 42.5, never logged",
            };
            expected.UnionWith(deleted.Select(k => $"missing: {k}: logged {points.Single(p => p.Key == k).Value.ToString("R", CultureInfo.InvariantCulture)}, not stored"));
            await Eventually.WaitAsync(
                async () => (await ReadAsync(settings, site, added, ct)) is not null && (await ReadAsync(settings, site, deletedOne.Key, ct)) is null
                    && (await ReadAsync(settings, site, overwritten.Key, ct)) is { } now && ReadingsComparison.Same(now, overwritten.Value + 1000)
                    && await CountAsync(store, settings, site, from, to2, ct) == points.Count + (corrected is null ? 0 : 1) - deleted.Count + 1,
                TimeSpan.FromSeconds(20),
                "the tampering visible in the store",
                ct);

            var tampered = await VerbAsync(verify, ct);
            TestContext.Current.TestOutputHelper?.WriteLine(tampered.Output);
            Assert.Equal(1, tampered.Exit);
            var reported = tampered.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => l.StartsWith("altered: ", StringComparison.Ordinal) || l.StartsWith("missing: ", StringComparison.Ordinal) || l.StartsWith("added: ", StringComparison.Ordinal))
                .Select(l => l.StartsWith("altered: ", StringComparison.Ordinal) ? l[..l.LastIndexOf(", stored", StringComparison.Ordinal)] : l)
                .ToHashSet(StringComparer.Ordinal);
            Assert.Equal(expected.Order(StringComparer.Ordinal), reported.Order(StringComparer.Ordinal));
            Assert.Contains($"{expected.Count} discrepancy(ies)", tampered.Output, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>A logged correction through the API (docs/audit.md#corrections); returns the point with its new value.</summary>
    private static async Task<StoredPoint> CorrectAsync(ServiceUnderTest service, StoredPoint point, string[] settings, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        using var answer = await PostAsync(http, new
        {
            kind = point.Key.Measurement,
            site = point.Key.Site,
            device = point.Key.Device,
            metric = point.Key.Metric,
            time = DateTimeOffset.FromUnixTimeMilliseconds(point.Key.TimestampMs),
            value = point.Value + 500,
            reason = "recalibrated against the reference analyser",
            by = "officer.li",
        }, ct);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(ct));
        Assert.True(body.RootElement.GetProperty("index").GetInt64() > 0);
        Assert.Equal(point.Value, body.RootElement.GetProperty("old").GetDouble());
        Assert.Equal(point.Value + 500, body.RootElement.GetProperty("new").GetDouble());
        Assert.Equal(point.Value + 500, await ReadAsync(settings, point.Key.Site, point.Key, ct));
        return point with { Value = point.Value + 500 };
    }

    /// <summary>Waits until the store holds every point the log vouches for; returns them.</summary>
    private static async Task<List<StoredPoint>> StoreCaughtUpAsync(IStoreTamper store, string[] settings, AuditFiles files, string site, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var logged = new List<StoredPoint>();
        await Eventually.WaitAsync(
            async () =>
            {
                await store.FlushAsync(ct);
                logged = [.. LoggedReadings.Load(files, site, from, to).Expected.Select(p => new StoredPoint(p.Key, p.Value))];
                using var reader = StoredReadings.Create(Configuration(settings));
                var stored = await reader.ReadAsync(site, from, to, ct);
                return logged.Count > 0 && ReadingsComparison.Compare(logged.ToDictionary(p => p.Key, p => p.Value), stored).Count == 0;
            },
            TimeSpan.FromSeconds(30),
            "the store to hold every logged reading",
            ct);
        return logged;
    }

    private static async Task<double?> ReadAsync(string[] settings, string site, PointKey key, CancellationToken ct)
    {
        using var reader = StoredReadings.Create(Configuration(settings));
        var at = DateTimeOffset.FromUnixTimeMilliseconds(key.TimestampMs);
        var found = (await reader.ReadAsync(site, at, at, ct)).Where(p => p.Key == key).ToList();
        return found.Count == 0 ? null : found.Max(p => p.Value);
    }

    private static async Task<int> CountAsync(IStoreTamper store, string[] settings, string site, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await store.FlushAsync(ct);
        using var reader = StoredReadings.Create(Configuration(settings));
        return (await reader.ReadAsync(site, from, to, ct)).Count;
    }

    private static IConfiguration Configuration(string[] settings) =>
        new ConfigurationBuilder().AddCommandLine(settings).Build();

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/readings/corrections")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await http.SendAsync(request, ct);
    }

    private static Task<(int Exit, string Output, string Error)> VerbAsync(string[] args, CancellationToken ct) => AuditVerbs.RunAsync(args, ct);

    /// <summary>Changes a store behind the service's back, as someone with write access to it could.</summary>
    private interface IStoreTamper
    {
        string Url { get; }

        ReadbackApi Api { get; }

        Task FlushAsync(CancellationToken ct);

        Task OverwriteAsync(PointKey key, double value, CancellationToken ct);

        /// <summary>Deletes the point at <paramref name="key"/>; returns the keys gone with it (a store may drop a whole row).</summary>
        Task<IReadOnlyList<PointKey>> DeleteAsync(PointKey key, IReadOnlyList<PointKey> logged, CancellationToken ct);

        Task AddAsync(PointKey key, double value, CancellationToken ct);
    }

    private static string Line(PointKey key, double value, string timeSuffix = "") =>
        string.Create(CultureInfo.InvariantCulture, $"{key.Measurement},device={key.Device},site={key.Site} {key.Metric}={value:R} {key.TimestampMs}{timeSuffix}");

    private sealed class VictoriaMetricsTamper(VictoriaMetricsServer server) : IStoreTamper
    {
        public string Url => server.Url;

        public ReadbackApi Api => ReadbackApi.VictoriaMetrics;

        public Task FlushAsync(CancellationToken ct) => server.ForceFlushAsync(ct);

        // Two values at one time are deduplicated unpredictably: the series is rewritten instead.
        public Task OverwriteAsync(PointKey key, double value, CancellationToken ct) => RewriteAsync(key, value, ct);

        public Task AddAsync(PointKey key, double value, CancellationToken ct) => WriteAsync(Line(key, value, "000000"), ct);

        // A single sample cannot be deleted: the series is deleted and imported again without it.
        public async Task<IReadOnlyList<PointKey>> DeleteAsync(PointKey key, IReadOnlyList<PointKey> logged, CancellationToken ct)
        {
            await RewriteAsync(key, null, ct);
            return [key];
        }

        private async Task RewriteAsync(PointKey key, double? value, CancellationToken ct)
        {
            var match = $"{{__name__=\"{key.Measurement}_{key.Metric}\",site=\"{key.Site}\",device=\"{key.Device}\"}}";
            var series = (await server.ExportAsync(match, ct)).Single();
            var samples = series.Timestamps.Select((t, i) => (t, v: series.Values[i])).ToList();
            var keep = value is { } v
                ? [.. samples.Select(s => s.t == key.TimestampMs ? (s.t, v) : s)]
                : samples.Where(s => s.t != key.TimestampMs).ToList();
            Assert.Equal(samples.Count - (value is null ? 1 : 0), keep.Count);
            using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
            using (var delete = new FormUrlEncodedContent([new("match[]", match)]))
            {
                (await http.PostAsync(new Uri("/api/v1/admin/tsdb/delete_series", UriKind.Relative), delete, ct)).EnsureSuccessStatusCode();
            }

            var line = JsonSerializer.Serialize(new { metric = series.Metric, values = keep.Select(s => s.v), timestamps = keep.Select(s => s.t) });
            using (var import = new StringContent(line + "\n", Encoding.UTF8))
            {
                (await http.PostAsync(new Uri("/api/v1/import", UriKind.Relative), import, ct)).EnsureSuccessStatusCode();
            }

            // Imported samples become searchable a flush interval later.
            var rewritten = await server.ExportAtLeastAsync(match, keep.Count, ct);
            Assert.Equal(keep.Count, rewritten.Sum(s => s.Values.Length));
        }

        private async Task WriteAsync(string line, CancellationToken ct)
        {
            using var http = new HttpClient();
            using var body = new StringContent(line, Encoding.UTF8);
            (await http.PostAsync(new Uri(server.Url + "/write"), body, ct)).EnsureSuccessStatusCode();
            await server.ForceFlushAsync(ct);
        }
    }

    private sealed class InfluxDb1Tamper(InfluxDb1Server server, string database) : IStoreTamper
    {
        public string Url => server.Url;

        public ReadbackApi Api => ReadbackApi.InfluxQl;

        public Task FlushAsync(CancellationToken ct) => Task.CompletedTask;

        public Task OverwriteAsync(PointKey key, double value, CancellationToken ct) => server.WriteAsync(database, Line(key, value), ct);

        public Task AddAsync(PointKey key, double value, CancellationToken ct) => server.WriteAsync(database, Line(key, value), ct);

        // InfluxQL deletes a whole row: every field of the series at that time.
        public async Task<IReadOnlyList<PointKey>> DeleteAsync(PointKey key, IReadOnlyList<PointKey> logged, CancellationToken ct)
        {
            (await server.QueryAsync(
                string.Create(CultureInfo.InvariantCulture, $"DELETE FROM \"{key.Measurement}\" WHERE \"site\" = '{key.Site}' AND \"device\" = '{key.Device}' AND time = {key.TimestampMs}ms"),
                ct,
                database)).Dispose();
            return [.. logged.Where(k => k.Measurement == key.Measurement && k.Device == key.Device && k.TimestampMs == key.TimestampMs)];
        }
    }
}
