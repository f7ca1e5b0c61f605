using System.Globalization;
using System.Text;
using EcoMonitor.Alerting;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Alerting;

/// <summary>Rules run on the live stream: a threshold with hysteresis fires and resolves, and each transition is stored once as measurement alert.</summary>
public sealed class AlertIngestTests(Servers servers) : IDisposable
{
    private readonly string _rules = Path.Combine(Path.GetTempPath(), $"ecomonitor-rules-{Guid.NewGuid():N}.yaml");

    [Fact]
    public async Task A_threshold_rule_fires_and_resolves_once_each_and_its_transitions_are_stored()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"alr-{Guid.NewGuid():N}"[..16];
        await File.WriteAllTextAsync(_rules, $"""
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                site: "{site}"
                above: 75
                clear_below: 60
                severity: warning
            """, ct);
        await using var service = await ServiceUnderTest.StartAsync(servers, site, ct, $"--Alerts:RulesFile={_rules}");

        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-3).ToUnixTimeSeconds());
        // Below, above (fires), inside the band (holds), above again (nothing new), below the clear value (resolves).
        double[] values = [40, 80, 70, 90, 50];
        var messages = values.Select((v, i) => ($"eco/{site}/air/n1", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(t0.AddSeconds(i * 10), i, ("pm25", v))))).ToList();
        await TestPublisher.PublishAsync(servers.Mosquitto, messages, ct);
        await Eventually.WaitAsync(() => service.Metrics.MessagesAcknowledged.Value >= messages.Count, TimeSpan.FromSeconds(30), "every message acknowledged", ct);

        var series = await servers.VictoriaMetrics.ExportAtLeastAsync($"{{__name__=\"alert_firing\",site=\"{site}\"}}", 2, ct);
        var transitions = series
            .SelectMany(s => s.Samples.Select(p => (State: s.Metric["state"], p.Timestamp, Firing: p.Value, Rule: s.Metric["rule"], Severity: s.Metric["severity"], Metric: s.Metric["metric"])))
            .OrderBy(t => t.Timestamp)
            .ToList();
        Assert.Equal(
            [("firing", t0.AddSeconds(10).ToUnixTimeMilliseconds(), 1.0), ("resolved", t0.AddSeconds(40).ToUnixTimeMilliseconds(), 0.0)],
            transitions.Select(t => (t.State, t.Timestamp, t.Firing)));
        Assert.All(transitions, t => Assert.Equal(("pm25-high", "warning", "pm25"), (t.Rule, t.Severity, t.Metric)));

        var values2 = await servers.VictoriaMetrics.ExportAsync($"{{__name__=\"alert_value\",site=\"{site}\"}}", ct);
        Assert.Equal([80.0, 50.0], values2.SelectMany(s => s.Samples).OrderBy(p => p.Timestamp).Select(p => p.Value));

        // Readings are counted as readings; the alert points are not.
        Assert.Equal(values.Length, service.Metrics.ReadingsStored.Value);
        Assert.Equal(1, service.Services.GetRequiredService<AlertMetrics>().AlertTransitions.WithLabels("firing").Value);
        Assert.Equal(1, service.Services.GetRequiredService<AlertMetrics>().AlertTransitions.WithLabels("resolved").Value);
    }

    public void Dispose() => File.Delete(_rules);
}
