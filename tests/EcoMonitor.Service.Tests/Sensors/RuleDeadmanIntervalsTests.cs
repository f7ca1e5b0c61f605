using EcoMonitor.Alerting;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using EcoMonitor.Sensors;
using EcoMonitor.Service.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace EcoMonitor.Service.Tests.Sensors;

/// <summary>The stale interval from the rules in force: the shortest whole-device deadman rule matching the device.</summary>
public sealed class RuleDeadmanIntervalsTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-deadman-");

    [Fact]
    public void The_shortest_matching_whole_device_deadman_rule_decides_and_a_reload_is_followed()
    {
        var path = Path.Combine(_data.FullName, "alert-rules.yaml");
        File.WriteAllText(path, """
            rules:
              - name: all-silent
                kind: "*"
                deadman: 30m
                severity: warning
              - name: river-silent
                kind: water
                site: "river-*"
                deadman: 10m
                severity: warning
              - name: ph-silent
                kind: water
                metric: ph
                deadman: 1m
                severity: info
            """);
        var rules = new AlertRuleSet(MsOptions.Create(new AlertOptions { RulesFile = path }), MetricCatalog.Default, NullLogger<AlertRuleSet>.Instance);
        var intervals = new RuleDeadmanIntervals(rules);

        Assert.Equal(new DeadmanInterval(TimeSpan.FromMinutes(10), "river-silent"), intervals.For(new SensorAddress(SensorKind.Water, "river-3", "w1")));
        Assert.Equal(new DeadmanInterval(TimeSpan.FromMinutes(30), "all-silent"), intervals.For(new SensorAddress(SensorKind.Water, "lake-1", "w1")));
        Assert.Equal(new DeadmanInterval(TimeSpan.FromMinutes(30), "all-silent"), intervals.For(new SensorAddress(SensorKind.Air, "river-3", "a1")));

        File.WriteAllText(path, """
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: warning
            """);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.True(rules.TryReload());
        Assert.Null(intervals.For(new SensorAddress(SensorKind.Water, "river-3", "w1")));
    }

    public void Dispose() => _data.Delete(recursive: true);
}
