using System.Text;
using System.Text.RegularExpressions;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Deploy;

/// <summary>
/// deploy/prometheus/ checked by Debian's promtool: the scrape config, the rules, their unit tests,
/// and the service's live <c>/metrics</c> (docs/monitoring.md).
/// </summary>
public sealed partial class PrometheusRulesTests(Servers servers)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Folder => Path.Combine(ServiceProcess.RepositoryRoot().FullName, "deploy", "prometheus");

    [Fact]
    public async Task The_scrape_config_and_the_rules_pass_promtool_check()
    {
        var config = await PromtoolAsync(["check", "config", "prometheus.yml"], stdin: null);
        Assert.True(config.ExitCode == 0, config.Output);
        Assert.Contains("1 rule files found", config.Output, StringComparison.Ordinal);

        var rules = await PromtoolAsync(["check", "rules", "ecomonitor-rules.yml"], stdin: null);
        Assert.True(rules.ExitCode == 0, rules.Output);
        Assert.Contains($"{RuleNames().Count} rules found", rules.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_rule_fires_and_stays_quiet_in_the_promtool_unit_tests()
    {
        var result = await PromtoolAsync(["test", "rules", "ecomonitor-rules.test.yml"], stdin: null);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("SUCCESS", result.Output, StringComparison.Ordinal);

        // Each rule is named by a test that expects it to fire and by a case where it does not.
        var tests = File.ReadAllText(Path.Combine(Folder, "ecomonitor-rules.test.yml"));
        foreach (var rule in RuleNames())
        {
            Assert.Matches($@"alertname: {rule}\s+exp_alerts:\s+- exp_labels:", tests);
        }
    }

    [Fact]
    public async Task The_live_metrics_pass_promtool_check_metrics_and_name_every_metric_the_rules_use()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"prom-{Guid.NewGuid():N}"[..16];
        await using var service = await ServiceUnderTest.StartAsync(servers, site, ct);

        // A stored reading and a rejection, so that counters with labels have series too.
        var at = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds());
        await TestPublisher.PublishAsync(
            servers.Mosquitto,
            [($"eco/{site}/air/n1", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(at, 1, ("pm25", 12)))), ($"eco/{site}/air/n1", "{not json"u8.ToArray())],
            ct);
        await Eventually.WaitAsync(() => service.Metrics.ReadingsStored.Value >= 1 && service.Metrics.DeadLettered.Value >= 1, Deadline, "the reading stored and the bad message dead-lettered", ct);

        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);

        var lint = await PromtoolAsync(["check", "metrics"], metrics);
        Assert.True(lint.ExitCode == 0, lint.Output);
        Assert.Equal(string.Empty, lint.Output.Trim());

        var exported = TypeLine().Matches(metrics).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var used = MetricName().Matches(File.ReadAllText(Path.Combine(Folder, "ecomonitor-rules.yml"))).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine($"the rules use {used.Count} metrics: {string.Join(", ", used.Order(StringComparer.Ordinal))}");
        Assert.True(used.Count >= 10, string.Join(", ", used));
        Assert.All(used, name => Assert.True(exported.Contains(name), $"{name} is used by the rules but not exported by /metrics"));
    }

    /// <summary>The alert names of ecomonitor-rules.yml.</summary>
    private static List<string> RuleNames() =>
        AlertLine().Matches(File.ReadAllText(Path.Combine(Folder, "ecomonitor-rules.yml"))).Select(m => m.Groups[1].Value).ToList();

    private static async Task<(int ExitCode, string Output)> PromtoolAsync(string[] arguments, string? stdin)
    {
        var run = await ToolRun.RunAsync(ServerBinaries.Find("promtool"), arguments, Folder, stdin: stdin, deadline: Deadline, cancellationToken: TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(run.Output);
        return (run.ExitCode, run.Output);
    }

    [GeneratedRegex(@"^# TYPE (\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"\becomonitor_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^\s*- alert: (\S+)", RegexOptions.Multiline)]
    private static partial Regex AlertLine();
}
