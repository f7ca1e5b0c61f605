using System.Security.Cryptography;
using System.Text;
using EcoMonitor.Core.Audit;
using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>The <c>config</c> record at start: the service's settings, secrets shown as <c>(set)</c>.</summary>
public sealed class ConfigurationAuditTests
{
    private static readonly IConfiguration Configuration = new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mqtt:Host"] = "broker.example",
            ["Mqtt:Password"] = "hunter2",
            ["Influx:Token"] = "t0ken",
            ["Notifications:Channels:0:Url"] = "https://robot:s3cret@hooks.example/x",
            ["Notifications:Channels:0:Secret"] = "sign-me",
            ["DataDirectory"] = "./data",
            ["PATH"] = "/usr/bin",
        })
        .Build();

    [Fact]
    public async Task The_effective_configuration_is_recorded_once_at_start_without_its_secrets()
    {
        var trail = new RecordingAuditTrail();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero));
        await new ConfigurationAuditor(Configuration, trail, time).StartAsync(TestContext.Current.CancellationToken);

        var record = Assert.Single(trail.Records);
        Assert.Equal((AuditRecordTypes.Configuration, time.GetUtcNow()), (record.Type, record.At));
        var settings = Assert.IsType<Dictionary<string, object?>>(record.Fields["settings"]);
        Assert.Equal(
            new Dictionary<string, object?>
            {
                ["DataDirectory"] = "./data",
                ["Influx:Token"] = "(set)",
                ["Mqtt:Host"] = "broker.example",
                ["Mqtt:Password"] = "(set)",
                ["Notifications:Channels:0:Secret"] = "(set)",
                ["Notifications:Channels:0:Url"] = "https://(set)@hooks.example/x",
            },
            settings);
        var lines = string.Join('\n', settings.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lines))), record.Fields["sha256"]);
        Assert.DoesNotContain("hunter2", Encoding.UTF8.GetString(CanonicalJson.Serialize(record)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_auditing_off_no_configuration_record_is_built()
    {
        var trail = new RecordingAuditTrail(enabled: false);
        await new ConfigurationAuditor(Configuration, trail, TimeProvider.System).StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, trail.Attempts);
    }
}
