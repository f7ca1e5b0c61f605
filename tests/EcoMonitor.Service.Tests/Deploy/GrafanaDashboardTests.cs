using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using EcoMonitor.FirmwareSim.Firmware;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.Service.Tests.FirmwareSim;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Deploy;

/// <summary>
/// The Grafana dashboards of <c>deploy/grafana</c> (deploy/grafana/README.md) against real engines: every
/// InfluxQL query (panels, annotations, template variables) runs on a real InfluxDB 1.x holding what the
/// service stored from a simulated fleet, two days of station history and an alert episode, as Grafana
/// would send it (variables substituted, <c>$timeFilter</c> expanded); it must parse, return rows and
/// name only measurements, fields and tags the service writes. The service dashboard's PromQL runs on a
/// real Prometheus scraping the same service.
/// </summary>
public sealed partial class GrafanaDashboardTests(Servers servers)
{
    private const string InfluxUid = "ecomonitor-influx";
    private const string PrometheusUid = "ecomonitor-prometheus";

    /// <summary>What docs/schema.md#alert-transitions says the service writes for an alert transition.</summary>
    private static readonly string[] AlertKeys = ["rule", "severity", "site", "device", "kind", "metric", "state", "firing", "value", "threshold"];

    private static string GrafanaDirectory => Path.Combine(ServiceProcess.RepositoryRoot().FullName, "deploy", "grafana");

    [Fact]
    public void The_provisioning_names_the_datasources_every_dashboard_uses_and_each_dashboard_is_whole()
    {
        var datasources = File.ReadAllText(Path.Combine(GrafanaDirectory, "provisioning", "datasources", "ecomonitor.yaml"));
        var uids = UidLine().Matches(datasources).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(new HashSet<string> { InfluxUid, PrometheusUid }, uids);
        Assert.Contains("version: InfluxQL", datasources, StringComparison.Ordinal);

        var providers = File.ReadAllText(Path.Combine(GrafanaDirectory, "provisioning", "dashboards", "ecomonitor.yaml"));
        Assert.Contains("path: /var/lib/grafana/dashboards/ecomonitor", providers, StringComparison.Ordinal);

        var dashboards = Dashboard.LoadAll();
        Assert.Equal(["air", "alerts", "service", "soil", "water"], dashboards.Select(d => d.File).Order(StringComparer.Ordinal));
        Assert.Equal(dashboards.Count, dashboards.Select(d => d.Uid).Distinct().Count());
        foreach (var dashboard in dashboards)
        {
            Assert.Equal(dashboard.Panels.Count, dashboard.Panels.Select(p => p.Id).Distinct().Count());
            Assert.All(dashboard.Queries, q => Assert.Contains(q.Datasource, uids));
            Assert.All(dashboard.Panels.Where(p => p.Type != "row"), p => Assert.NotEmpty(p.Queries));
        }
    }

    [Fact(Timeout = 240_000)]
    public async Task Every_dashboard_query_runs_on_real_engines_holding_what_the_service_wrote_and_names_only_what_it_writes()
    {
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper;
        var site = $"dash-{Guid.NewGuid():N}"[..16];
        var store = await TestStore.ForAsync(TestStore.InfluxDb1, servers, site, ct);
        var influx = await servers.InfluxDb1Async(ct);
        var database = store.InfluxDatabase!;
        var rules = Path.Combine(Directory.CreateTempSubdirectory("ecomonitor-dash-rules-").FullName, "rules.yaml");
        await File.WriteAllTextAsync(rules, """
            rules:
              - name: dash-pm25
                kind: air
                metric: pm25
                above: 75
                severity: warning
              - name: dash-nh3n
                kind: water
                metric: nh3n
                above: 1.5
                severity: warning
              - name: dash-cd
                kind: soil
                metric: cd
                above: 0.3
                severity: warning
            """, ct);

        // A webhook channel nobody listens on: its pending and failed notifications feed the service dashboard.
        await using var service = await ServiceUnderTest.StartAsync(servers, site, ct,
        [
            .. store.ServiceArguments,
            $"--Alerts:RulesFile={rules}",
            "--Notifications:Channels:0:Name=hook",
            "--Notifications:Channels:0:Type=webhook",
            string.Create(CultureInfo.InvariantCulture, $"--Notifications:Channels:0:Url=http://127.0.0.1:{FreePort.Next()}/hook"),
            "--Notifications:Channels:0:Secret=dashboard-test-secret",
            "--Notifications:GroupWindow=00:00:00",
        ]);
        await using var prometheus = await PrometheusServer.StartAsync(service.BaseAddress.Authority, ct);

        var history = History(site);
        await TestPublisher.PublishAsync(servers.Mosquitto, history, ct);
        await TestPublisher.PublishAsync(servers.Mosquitto, [($"eco/{site}/air/broken-01", "not a reading"u8.ToArray())], ct);
        var fleet = new FleetOptions
        {
            Host = servers.Mosquitto.Host,
            Port = servers.Mosquitto.Port,
            Sites = 1,
            NodesPerKind = 2,
            Interval = TimeSpan.FromMilliseconds(250),
            Duration = TimeSpan.FromSeconds(4),
            Protocol = MqttProtocol.Mqtt5,
            ClientIdPrefix = site,
        };
        var summary = await new FleetSimulator(TimeProvider.System) { Nodes = FleetLayout.OnSite(fleet, site) }.RunAsync(fleet, ct);
        Assert.Equal(0, summary.FailedMessages);

        var published = history.Count + 1 + summary.Messages;
        await Eventually.WaitAsync(() => service.Metrics.MessagesAcknowledged.Value >= published, TimeSpan.FromSeconds(60), $"{published} acknowledgements", ct);
        await Eventually.WaitAsync(
            async () => await influx.CountAsync(database, "alert", "firing", ct) >= 6,
            TimeSpan.FromSeconds(30),
            "the episodes' firing and resolved transitions",
            ct);

        // What the service wrote, as InfluxDB itself lists it.
        var written = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var measurement in new[] { "air", "water", "soil", "alert" })
        {
            written[measurement] = [.. await ColumnAsync(influx, database, $"SHOW FIELD KEYS FROM \"{measurement}\"", 0, ct), .. await ColumnAsync(influx, database, $"SHOW TAG KEYS FROM \"{measurement}\"", 0, ct)];
        }

        var failures = new List<string>();
        var dashboards = Dashboard.LoadAll();
        foreach (var dashboard in dashboards.Where(d => d.Queries.Any(q => q.Datasource == InfluxUid)))
        {
            var values = await VariableValuesAsync(influx, database, dashboard, site, failures, ct);
            foreach (var query in dashboard.Queries.Where(q => q.Datasource == InfluxUid && q.Origin != QueryOrigin.Variable))
            {
                failures.AddRange(Unwritten(query, written).Select(name => $"{dashboard.File} '{query.Panel}': names '{name}', which the service does not write"));
                var statement = Expand(query.Text, values);
                try
                {
                    using var answer = await influx.QueryAsync(statement, ct, database);
                    if (!answer.RootElement.GetProperty("results")[0].TryGetProperty("series", out var series) || series.GetArrayLength() == 0)
                    {
                        failures.Add($"{dashboard.File} '{query.Panel}': no rows for {statement}");
                    }
                }
                catch (InvalidOperationException ex)
                {
                    failures.Add($"{dashboard.File} '{query.Panel}': {ex.Message}");
                }
            }

            output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{dashboard.File}.json \"{dashboard.Title}\": {dashboard.Panels.Count(p => p.Type != "row")} panels, {dashboard.Queries.Count(q => q.Origin == QueryOrigin.Panel)} panel queries, {dashboard.Queries.Count(q => q.Origin == QueryOrigin.Annotation)} annotation queries, {dashboard.Queries.Count(q => q.Origin == QueryOrigin.Variable)} variables (InfluxQL)"));
        }

        // The service dashboard, on Prometheus scraping the service once a second.
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var exported = MetricFamily().Matches(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct))
            .Select(m => m.Groups[1].Value)
            .ToHashSet(StringComparer.Ordinal);
        await Eventually.WaitAsync(
            async () => (await prometheus.QueryAsync("count_over_time(up{job=\"ecomonitor\"}[1m])", ct)) is { ValueKind: JsonValueKind.Array } r && r.GetArrayLength() == 1
                && double.Parse(r[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture) >= 3,
            TimeSpan.FromSeconds(30),
            "three scrapes of the service",
            ct);
        foreach (var dashboard in dashboards.Where(d => d.Queries.Any(q => q.Datasource == PrometheusUid)))
        {
            var answered = 0;
            var queries = dashboard.Queries.Where(q => q.Datasource == PrometheusUid).ToList();
            foreach (var query in queries)
            {
                failures.AddRange(ServiceMetric().Matches(query.Text).Select(m => m.Value)
                    .Select(name => Regex.Replace(name, "_(bucket|sum|count)$", string.Empty))
                    .Where(name => !exported.Contains(name))
                    .Select(name => $"{dashboard.File} '{query.Panel}': {name} is not on the service's /metrics"));
                if (query.Origin == QueryOrigin.Variable)
                {
                    continue;
                }

                try
                {
                    answered += (await prometheus.QueryAsync(query.Text.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$instance", ".*", StringComparison.Ordinal), ct)).GetArrayLength() > 0 ? 1 : 0;
                }
                catch (InvalidOperationException ex)
                {
                    failures.Add($"{dashboard.File} '{query.Panel}': {ex.Message}");
                }
            }

            output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{dashboard.File}.json \"{dashboard.Title}\": {dashboard.Panels.Count(p => p.Type != "row")} panels, {queries.Count(q => q.Origin == QueryOrigin.Panel)} panel queries (PromQL, {answered} with series now), {queries.Count(q => q.Origin == QueryOrigin.Variable)} variables"));
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    /// <summary>
    /// Each template variable's values, its query run with the variables before it substituted; a
    /// multi-value variable stands for all its values, as Grafana's "All" sends them (<c>(a|b)</c>).
    /// The site is the test's own: other tests share the database server, not this database.
    /// </summary>
    private static async Task<Dictionary<string, string>> VariableValuesAsync(InfluxDb1Server influx, string database, Dashboard dashboard, string site, List<string> failures, CancellationToken ct)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in dashboard.Queries.Where(q => q.Origin == QueryOrigin.Variable && q.Datasource == InfluxUid))
        {
            var found = await ColumnAsync(influx, database, Expand(variable.Text, values), 1, ct);
            if (found.Count == 0)
            {
                failures.Add($"{dashboard.File} variable '{variable.Panel}': no values");
            }

            if (variable.Panel == "site")
            {
                Assert.Contains(site, found);
                values["site"] = site;
            }
            else
            {
                values[variable.Panel] = "(" + string.Join('|', found.Select(Regex.Escape)) + ")";
            }
        }

        return values;
    }

    private static string Expand(string query, IReadOnlyDictionary<string, string> values)
    {
        // Grafana's expansion of $timeFilter for the last three days (the fleet's clocks may run ahead).
        var text = query
            .Replace("$timeFilter", "time >= now() - 3d AND time <= now() + 1h", StringComparison.Ordinal)
            .Replace("$__interval", "1m", StringComparison.Ordinal);
        foreach (var (name, value) in values.OrderByDescending(v => v.Key.Length))
        {
            text = text.Replace("$" + name, value, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The quoted names a query uses that are neither a measurement nor one of its fields or tags the service writes.</summary>
    private static IEnumerable<string> Unwritten(DashboardQuery query, Dictionary<string, HashSet<string>> written)
    {
        var measurement = FromClause().Match(query.Text) is { Success: true } from ? from.Groups[1].Value : null;
        if (measurement is null || !written.TryGetValue(measurement, out var keys))
        {
            yield return measurement ?? "(no FROM)";
            yield break;
        }

        var documented = measurement == "alert"
            ? AlertKeys.ToHashSet(StringComparer.Ordinal)
            : MetricCatalog.Default.Metrics.Where(m => m.Kind.ToName() == measurement).Select(m => m.Name).Concat(["site", "device"]).ToHashSet(StringComparer.Ordinal);
        var aliases = Alias().Matches(query.Text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        foreach (var name in QuotedName().Matches(query.Text).Select(m => m.Groups[1].Value).Distinct())
        {
            if (name != measurement && !(keys.Contains(name) && (documented.Contains(name) || aliases.Contains(name))))
            {
                yield return name;
            }
        }
    }

    /// <summary>One column of every row of every series an InfluxQL statement returns.</summary>
    private static async Task<List<string>> ColumnAsync(InfluxDb1Server influx, string database, string statement, int column, CancellationToken ct)
    {
        using var answer = await influx.QueryAsync(statement, ct, database);
        var result = answer.RootElement.GetProperty("results")[0];
        return result.TryGetProperty("series", out var series)
            ? [.. series.EnumerateArray().SelectMany(s => s.GetProperty("values").EnumerateArray()).Select(row => row[column].GetString()!)]
            : [];
    }

    /// <summary>
    /// Two days of half-hourly records of an air station, a water analyser and a soil laboratory
    /// (the items the fleet's probes do not measure: SO2, CO, NH3-N, COD, metals), so that 24 h running
    /// means have their 24 hours; one episode of each kind fires and resolves <c>dash-pm25</c>,
    /// <c>dash-nh3n</c> and <c>dash-cd</c>.
    /// </summary>
    private static List<(string Topic, byte[] Payload)> History(string site)
    {
        var messages = new List<(string, byte[])>();
        var now = DateTimeOffset.UtcNow;
        var start = now.AddHours(-48);
        for (var i = 0; i < 96; i++)
        {
            var ts = start.AddMinutes(30 * i);
            var wave = Math.Sin(i / 8.0);
            var pm25 = i == 94 ? 120 : 30 + (10 * wave);
            messages.Add(Message(site, "air", "station-01", ts, i,
                ("pm25", pm25), ("pm10", pm25 + 25), ("o3", 90 + (40 * wave)), ("no2", 35 + (10 * wave)), ("so2", 12 + (3 * wave)),
                ("co", 0.8 + (0.2 * wave)), ("temperature", 12 + (6 * wave)), ("humidity", 55 + (10 * wave)), ("pressure", 1012 + (3 * wave))));
            messages.Add(Message(site, "water", "analyser-01", ts, i,
                ("ph", 7.4 + (0.3 * wave)), ("do", 6.5 + wave), ("nh3n", i == 94 ? 1.8 : 0.6 + (0.3 * wave)), ("cod", 18 + (4 * wave)), ("codmn", 4.5 + wave),
                ("turbidity", 12 + (5 * wave)), ("conductivity", 480 + (40 * wave)), ("temperature", 14 + (2 * wave))));
            if (i % 24 == 0)
            {
                messages.Add(Message(site, "soil", "lab-01", ts, i / 24,
                    ("ph", 6.8), ("cd", i == 48 ? 0.34 : 0.25), ("hg", 0.4), ("as", 18), ("pb", 55), ("cr", 120), ("cu", 42), ("ni", 48), ("zn", 150),
                    ("moisture", 28), ("ec", 620), ("temperature", 11)));
            }
        }

        // Resolves the episode the record before started.
        messages.Add(Message(site, "air", "station-01", now.AddSeconds(-20), 96, ("pm25", 35), ("pm10", 60)));
        return messages;

        static (string, byte[]) Message(string site, string kind, string device, DateTimeOffset ts, long seq, params (string, double)[] readings) =>
            ($"eco/{site}/{kind}/{device}", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(ts, seq, [.. readings.Select(r => (r.Item1, Math.Round(r.Item2, 2)))])));
    }

    [GeneratedRegex(@"^\s*uid:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex UidLine();

    [GeneratedRegex(@"\bFROM\s+""([^""]+)""")]
    private static partial Regex FromClause();

    [GeneratedRegex(@"""([^""]+)""")]
    private static partial Regex QuotedName();

    [GeneratedRegex(@"\bAS\s+""([^""]+)""")]
    private static partial Regex Alias();

    [GeneratedRegex(@"^# TYPE (\S+) ", RegexOptions.Multiline)]
    private static partial Regex MetricFamily();

    [GeneratedRegex(@"\becomonitor_[a-z0-9_]+\b")]
    private static partial Regex ServiceMetric();

    internal enum QueryOrigin
    {
        Panel,
        Annotation,
        Variable,
    }

    /// <summary>A query of a dashboard; <see cref="Panel"/> is the panel's title, the annotation's or the variable's name.</summary>
    internal sealed record DashboardQuery(string Panel, QueryOrigin Origin, string Datasource, string Text);

    internal sealed record DashboardPanel(int Id, string Type, string Title, IReadOnlyList<DashboardQuery> Queries);

    /// <summary>A dashboard JSON file as Grafana provisions it: panels (rows' panels included), annotations, template variables.</summary>
    internal sealed record Dashboard(string File, string Uid, string Title, IReadOnlyList<DashboardPanel> Panels, IReadOnlyList<DashboardQuery> Queries)
    {
        public static List<Dashboard> LoadAll() =>
            [.. Directory.GetFiles(Path.Combine(GrafanaDirectory, "dashboards"), "*.json").Order(StringComparer.Ordinal).Select(Load)];

        private static Dashboard Load(string path)
        {
            using var document = JsonDocument.Parse(System.IO.File.ReadAllText(path));
            var root = document.RootElement;
            var panels = new List<DashboardPanel>();
            Collect(root.GetProperty("panels"), panels);
            var queries = panels.SelectMany(p => p.Queries).ToList();
            foreach (var annotation in root.GetProperty("annotations").GetProperty("list").EnumerateArray())
            {
                if (annotation.TryGetProperty("query", out var text))
                {
                    queries.Add(new DashboardQuery(annotation.GetProperty("name").GetString()!, QueryOrigin.Annotation, DatasourceOf(annotation), text.GetString()!));
                }
            }

            foreach (var variable in root.GetProperty("templating").GetProperty("list").EnumerateArray())
            {
                var query = variable.GetProperty("query");
                var text = query.ValueKind == JsonValueKind.Object ? query.GetProperty("query").GetString()! : query.GetString()!;
                queries.Add(new DashboardQuery(variable.GetProperty("name").GetString()!, QueryOrigin.Variable, DatasourceOf(variable), text));
            }

            return new Dashboard(Path.GetFileNameWithoutExtension(path), root.GetProperty("uid").GetString()!, root.GetProperty("title").GetString()!, panels, queries);
        }

        private static void Collect(JsonElement list, List<DashboardPanel> panels)
        {
            foreach (var panel in list.EnumerateArray())
            {
                var title = panel.GetProperty("title").GetString()!;
                var queries = new List<DashboardQuery>();
                if (panel.TryGetProperty("targets", out var targets))
                {
                    foreach (var target in targets.EnumerateArray())
                    {
                        var datasource = target.TryGetProperty("datasource", out _) ? DatasourceOf(target) : DatasourceOf(panel);
                        var text = target.TryGetProperty("query", out var q) ? q.GetString()! : target.GetProperty("expr").GetString()!;
                        queries.Add(new DashboardQuery(title, QueryOrigin.Panel, datasource, text));
                    }
                }

                panels.Add(new DashboardPanel(panel.GetProperty("id").GetInt32(), panel.GetProperty("type").GetString()!, title, queries));
                if (panel.TryGetProperty("panels", out var nested))
                {
                    Collect(nested, panels);
                }
            }
        }

        private static string DatasourceOf(JsonElement element) => element.GetProperty("datasource").GetProperty("uid").GetString()!;
    }
}
