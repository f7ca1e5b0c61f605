using System.Text;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Page;

/// <summary>What the page's tests against the running service share: one critical PM2.5 rule, and a reading that fires it.</summary>
internal static class PageScenario
{
    public const string Description = "PM2.5 above the GB 3095 grade II hourly value";

    /// <summary>Writes the rules file (one critical rule above 75 µg/m³) to <paramref name="path"/>.</summary>
    public static async Task<string> WriteRulesAsync(string path, CancellationToken ct)
    {
        await File.WriteAllTextAsync(path, $"""
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: critical
                description: {Description}
            """, ct);
        return path;
    }

    /// <summary>Publishes one PM2.5 reading of <paramref name="device"/>, stamped now, to the test broker.</summary>
    public static Task PublishPm25Async(Servers servers, string site, string device, double value, CancellationToken ct)
    {
        var ts = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        return TestPublisher.PublishAsync(servers.Mosquitto, [($"eco/{site}/air/{device}", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(ts, 1, ("pm25", value))))], ct);
    }
}
