using System.Globalization;
using System.Text.Json;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>One stored reading as a test compares it: <c>{measurement}_{field}</c>, device, time (ms), value.</summary>
public readonly record struct StoredReading(string Series, string Device, long Timestamp, double Value);

/// <summary>
/// The store a test's service writes to, so that one test body runs against each real store:
/// VictoriaMetrics (the v2 write API) and InfluxDB 1.x (<c>Influx:Version=1</c>, read back with InfluxQL).
/// </summary>
public sealed class TestStore
{
    public const string VictoriaMetrics = "victoriametrics";
    public const string InfluxDb1 = "influxdb1";

    private readonly Func<int, CancellationToken, Task<IReadOnlyList<StoredReading>>> _read;

    private TestStore(string[] serviceArguments, Func<int, CancellationToken, Task<IReadOnlyList<StoredReading>>> read, string? influxDatabase = null)
    {
        ServiceArguments = serviceArguments;
        _read = read;
        InfluxDatabase = influxDatabase;
    }

    /// <summary>The InfluxDB 1.x database the service writes to; null for VictoriaMetrics.</summary>
    public string? InfluxDatabase { get; }

    /// <summary>Arguments pointing the service at this store (after the fixture's own, so they win).</summary>
    public string[] ServiceArguments { get; }

    /// <summary>The site's stored readings, once at least <paramref name="count"/> are there (or what there is after a deadline).</summary>
    public Task<IReadOnlyList<StoredReading>> ReadAtLeastAsync(int count, CancellationToken cancellationToken) => _read(count, cancellationToken);

    public static async Task<TestStore> ForAsync(string store, Servers servers, string site, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(servers);
        switch (store)
        {
            case VictoriaMetrics:
                return new TestStore([], async (count, ct) =>
                    (await servers.VictoriaMetrics.ExportAtLeastAsync($"{{site=\"{site}\"}}", count, ct))
                        .SelectMany(s => s.Samples.Select(p => new StoredReading(s.Name, s.Metric["device"], p.Timestamp, p.Value)))
                        .ToList());
            case InfluxDb1:
                var influx = await servers.InfluxDb1Async(cancellationToken);
                var db = "db_" + site.Replace('-', '_');
                await influx.QueryAsync($"CREATE DATABASE \"{db}\"", cancellationToken);
                return new TestStore(
                    ["--Influx:Version=1", $"--Influx:Url={influx.Url}", $"--Influx:Bucket={db}"],
                    (count, ct) => ReadInfluxAsync(influx, db, count, ct),
                    db);
            default:
                throw new ArgumentOutOfRangeException(nameof(store), store, "no such test store");
        }
    }

    private static async Task<IReadOnlyList<StoredReading>> ReadInfluxAsync(InfluxDb1Server influx, string db, int count, CancellationToken ct)
    {
        IReadOnlyList<StoredReading> readings = [];
        try
        {
            await Eventually.WaitAsync(async () => (readings = await SelectAllAsync(influx, db, ct)).Count >= count, TimeSpan.FromSeconds(15), $"{count} readings in {db}", ct);
        }
        catch (TimeoutException)
        {
            // The caller's assertions say what is missing.
        }

        return readings;
    }

    /// <summary>Every field of every point of the readings' measurements; tags are <c>site</c> and <c>device</c> (docs/schema.md).</summary>
    private static async Task<IReadOnlyList<StoredReading>> SelectAllAsync(InfluxDb1Server influx, string db, CancellationToken ct)
    {
        var readings = new List<StoredReading>();
        foreach (var measurement in new[] { "air", "water", "soil" })
        {
            using var answer = await influx.QueryAsync($"SELECT * FROM \"{measurement}\"", ct, db);
            var result = answer.RootElement.GetProperty("results")[0];
            if (!result.TryGetProperty("series", out var series))
            {
                continue;
            }

            var columns = series[0].GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
            var time = Array.IndexOf(columns, "time");
            var device = Array.IndexOf(columns, "device");
            foreach (var row in series[0].GetProperty("values").EnumerateArray())
            {
                var ts = DateTimeOffset.Parse(row[time].GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
                for (var c = 0; c < columns.Length; c++)
                {
                    if (columns[c] is "time" or "device" or "site" || row[c].ValueKind != JsonValueKind.Number)
                    {
                        continue;
                    }

                    readings.Add(new StoredReading($"{measurement}_{columns[c]}", row[device].GetString()!, ts, row[c].GetDouble()));
                }
            }
        }

        return readings;
    }
}
