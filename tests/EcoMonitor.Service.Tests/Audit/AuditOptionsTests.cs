using EcoMonitor.Audit.Log;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Core.Audit;
using Microsoft.Extensions.Configuration;
using EcoMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>Section <c>Audit</c>: each rule fails on its own, and the registration picks the trail (docs/audit.md#configuration).</summary>
public sealed class AuditOptionsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ecomonitor-audit-options-");

    [Fact]
    public void Off_without_a_key_file_and_on_with_a_good_one()
    {
        Assert.True(Validate(new AuditOptions()).Succeeded);
        Assert.True(Validate(new AuditOptions { SigningKeyFile = KeyFile("eco.example/audit"), Origin = "eco.example/audit" }).Succeeded);
    }

    [Theory]
    [InlineData("", "Audit:Origin is required")]
    [InlineData("has space", "Audit:Origin is required")]
    [InlineData("a+b", "Audit:Origin is required")]
    [InlineData("other.example/audit", "not of Audit:Origin")]
    public void The_origin_is_required_valid_and_the_keys_name(string origin, string message) =>
        Assert.Contains(message, Failure(new AuditOptions { SigningKeyFile = KeyFile("eco.example/audit"), Origin = origin }), StringComparison.Ordinal);

    [Theory]
    [InlineData("eco/audit/+")]
    [InlineData("eco/#")]
    [InlineData("$SYS/audit")]
    public void The_checkpoint_topic_is_a_topic_name_without_wildcards(string topic) =>
        Assert.Contains("Audit:CheckpointTopic", Failure(new AuditOptions { SigningKeyFile = KeyFile("eco.example/audit"), Origin = "eco.example/audit", CheckpointTopic = topic }), StringComparison.Ordinal);

    [Fact]
    public void An_empty_checkpoint_topic_is_allowed_and_means_not_published() =>
        Assert.True(Validate(new AuditOptions { SigningKeyFile = KeyFile("eco.example/audit"), Origin = "eco.example/audit", CheckpointTopic = "" }).Succeeded);

    [Fact]
    public void A_missing_key_file_is_refused()
    {
        Assert.Contains("cannot be read", Failure(new AuditOptions { SigningKeyFile = Path.Combine(_dir.FullName, "none"), Origin = "eco.example/audit" }), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_no_signer_key_is_refused_without_quoting_it()
    {
        var verifierOnly = Path.Combine(_dir.FullName, "vkey");
        var keys = NoteKeys.Generate("eco.example/audit");
        File.WriteAllText(verifierOnly, keys.VerifierKey);
        var failure = Failure(new AuditOptions { SigningKeyFile = verifierOnly, Origin = "eco.example/audit" });
        Assert.Contains("does not hold a signer key", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(keys.VerifierKey, failure, StringComparison.Ordinal);

        var broken = Path.Combine(_dir.FullName, "broken");
        File.WriteAllText(broken, keys.SignerKey[..^4] + "AAAA");
        var brokenFailure = Failure(new AuditOptions { SigningKeyFile = broken, Origin = "eco.example/audit" });
        Assert.Contains("does not hold a signer key", brokenFailure, StringComparison.Ordinal);
        Assert.DoesNotContain(keys.SignerKey[20..], brokenFailure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00.500")]
    [InlineData("1.00:00:01")]
    public void The_checkpoint_interval_is_within_a_second_and_a_day(string interval)
    {
        var result = new AuditOptionsRangeValidator().Validate(null, new AuditOptions { CheckpointInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) });
        Assert.True(result.Failed);
        Assert.Contains("CheckpointInterval", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_registration_uses_no_trail_when_off_and_the_log_when_on()
    {
        using (var off = Provider([]))
        {
            Assert.Same(AuditTrail.None, off.GetRequiredService<IAuditTrail>());
        }

        using var on = Provider(new()
        {
            ["Audit:SigningKeyFile"] = KeyFile("eco.example/audit"),
            ["Audit:Origin"] = "eco.example/audit",
            ["DataDirectory"] = _dir.FullName,
        });
        Assert.IsType<AuditLog>(on.GetRequiredService<IAuditTrail>());
        Assert.Equal(Path.Combine(_dir.FullName, "audit"), on.GetRequiredService<AuditLog>().Files.Directory);
        Assert.Contains(on.GetServices<Microsoft.Extensions.Hosting.IHostedService>(), s => s is AuditLogService);

        using var wrong = Provider(new() { ["Audit:SigningKeyFile"] = KeyFile("eco.example/audit"), ["Audit:Origin"] = "x" });
        Assert.Throws<OptionsValidationException>(() => wrong.GetRequiredService<IOptions<AuditOptions>>().Value);
    }

    [Fact]
    public void The_service_composition_appends_to_the_log_when_on()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Audit:SigningKeyFile"] = KeyFile("eco.example/audit"),
            ["Audit:Origin"] = "eco.example/audit",
            ["DataDirectory"] = _dir.FullName,
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddEcoMonitorService(configuration).BuildServiceProvider();
        Assert.IsType<AuditLog>(provider.GetRequiredService<IAuditTrail>());
    }

    [Fact]
    public async Task Check_config_reports_a_key_of_another_origin()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Audit:SigningKeyFile"] = KeyFile("eco.example/audit"),
            ["Audit:Origin"] = "other.example/audit",
            ["DataDirectory"] = _dir.FullName,
        }).Build();
        using var output = new StringWriter();
        var exit = await EcoMonitor.Service.Cli.CheckConfigCommand.RunAsync(configuration, Path.Combine(_dir.FullName, "no-rules.yaml"), output, TestContext.Current.CancellationToken);

        Assert.Equal(1, exit);
        Assert.Contains("configuration (AuditOptions): error: Audit:SigningKeyFile holds the key of 'eco.example/audit', not of Audit:Origin", output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddEcoMonitorAudit(configuration).BuildServiceProvider();
    }

    private static ValidateOptionsResult Validate(AuditOptions options) => new AuditOptionsValidator().Validate(null, options);

    private static string Failure(AuditOptions options)
    {
        var result = Validate(options);
        Assert.True(result.Failed);
        return result.FailureMessage;
    }

    private string KeyFile(string name)
    {
        var path = Path.Combine(_dir.FullName, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, NoteKeys.Generate(name).SignerKey + "\n");
        return path;
    }
}
