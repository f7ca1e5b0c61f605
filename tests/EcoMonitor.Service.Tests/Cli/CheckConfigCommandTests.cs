using System.CommandLine;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Delivery;
using EcoMonitor.Runtime.Telemetry;
using EcoMonitor.Service.Cli;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace EcoMonitor.Service.Tests.Cli;

/// <summary>The <c>check-config</c> verb (docs/cli.md#check-config): every problem listed, exit 0 or 1.</summary>
public sealed class CheckConfigCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("check-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_example_rules_file_passes()
    {
        var example = FindExample();

        var (exit, output) = await RunAsync("check-config", "--rules", example);

        Assert.Equal(CheckConfigCommand.Valid, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"check-config: 0 error(s), 0 warning(s); configuration checked; {example}: 17 valid rule(s)", line);
    }

    [Fact]
    public async Task A_bad_rules_file_lists_every_problem_with_path_line_and_column()
    {
        var path = Write("""
            rules:
              - name: a
                metric: pm25
                above: 75
                clear_below: 80
                severity: warning
              - name: a
                kind: air
                deadman: 1.5h
                severity: loud
            """);

        var (exit, output) = await RunAsync("check-config", "--rules", path);

        Assert.Equal(CheckConfigCommand.Invalid, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                $"{path}:5:18: error: clear_below (80) must be below above (75): the hysteresis band is inverted",
                $"{path}:7:11: error: duplicate rule name 'a' (first defined on line 2)",
                $"{path}:9:14: error: deadman: duration '1.5h' is not a whole number followed by one unit (e.g. 90m rather than 1.5h or 1h30m)",
                $"{path}:10:15: error: unknown severity 'loud'; expected info, warning or critical",
            ],
            lines[..^1]);
        Assert.StartsWith("check-config: 4 error(s), 0 warning(s)", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_round_robin_shared_group_with_alert_rules_is_an_error_unless_declared_sticky_or_without_rules()
    {
        var (exit, output) = await RunAsync("check-config", "--rules", FindExample(), "--Mqtt:SharedGroup=g1");
        Assert.Equal(CheckConfigCommand.Invalid, exit);
        Assert.Contains("configuration (Mqtt:SharedGroup): error: Mqtt:SharedGroup 'g1' with 17 alert rule(s)", output, StringComparison.Ordinal);
        Assert.Contains("Mqtt:SharedGroupSticky=true", output, StringComparison.Ordinal);

        Assert.Equal(CheckConfigCommand.Valid, (await RunAsync("check-config", "--rules", FindExample(), "--Mqtt:SharedGroup=g1", "--Mqtt:SharedGroupSticky=true")).Exit);
        Assert.Equal(CheckConfigCommand.Valid, (await RunAsync("check-config", "--rules", Write("rules: []\n"), "--Mqtt:SharedGroup=g1")).Exit);
    }

    [Fact]
    public async Task Warnings_alone_exit_zero()
    {
        var path = Write("rules: []\n");

        var (exit, output) = await RunAsync("check-config", "--rules", path);

        Assert.Equal(CheckConfigCommand.Valid, exit);
        Assert.Contains($"{path}:1:8: warning: the file defines no rules", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_configuration_value_is_reported_with_the_rules_problems()
    {
        var path = Write("rules:\n  - name: a\n    deadman: 5m\n    severity: info\n");

        var (exit, output) = await RunAsync("check-config", "--rules", path, "--Mqtt:Port=70000", "--Influx:Url=not a url");

        Assert.Equal(CheckConfigCommand.Invalid, exit);
        Assert.Contains("configuration (MqttOptions): error: Port: The field MqttOptions.Port must be between 1 and 65535.", output, StringComparison.Ordinal);
        Assert.Contains("configuration (InfluxOptions): error: Url:", output, StringComparison.Ordinal);
        Assert.Contains("check-config: 2 error(s), 0 warning(s)", output, StringComparison.Ordinal);
        Assert.Contains($"{path}: 1 valid rule(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_broker_tls_rules_are_checked_and_each_problem_is_reported_once()
    {
        var missing = Path.Combine(_directory, "missing.crt");

        var (exit, output) = await RunAsync("check-config", "--rules", FindExample(), "--Mqtt:UseTls=true", $"--Mqtt:ClientCertificateFile={missing}");

        Assert.Equal(CheckConfigCommand.Invalid, exit);
        Assert.Single(output.Split('\n'), line => line.Contains("Mqtt:ClientCertificateFile is set without Mqtt:ClientKeyFile", StringComparison.Ordinal));
        Assert.Contains("configuration (MqttOptions): error: Mqtt:ClientCertificateFile is set without Mqtt:ClientKeyFile", output, StringComparison.Ordinal);
        Assert.Contains("check-config: 1 error(s), 0 warning(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_that_does_not_bind_is_an_error()
    {
        var (exit, output) = await RunAsync("check-config", "--rules", FindExample(), "--Mqtt:Port=abc");

        Assert.Equal(CheckConfigCommand.Invalid, exit);
        Assert.Contains("configuration (MqttOptions): error: Failed to convert configuration value 'abc' at 'Mqtt:Port'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rules_file_comes_from_Alerts_RulesFile_and_a_missing_named_file_is_an_error()
    {
        var missing = Path.Combine(_directory, "missing.yaml");

        var (exit, output) = await RunAsync("check-config", $"--Alerts:RulesFile={missing}");

        Assert.Equal(CheckConfigCommand.Invalid, exit);
        Assert.Contains($"{missing}: error: rules file not found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rules_may_use_metrics_the_configuration_adds_to_the_catalog()
    {
        var path = Write("rules:\n  - name: voc\n    kind: air\n    metric: voc\n    above: 300\n    severity: info\n");

        var (before, _) = await RunAsync("check-config", "--rules", path);
        var (after, output) = await RunAsync(
            "check-config", "--rules", path, "--Catalog:Metrics:0:Kind=air", "--Catalog:Metrics:0:Name=voc", "--Catalog:Metrics:0:Unit=ppb", "--Catalog:Metrics:0:Max=1000");

        Assert.Equal(CheckConfigCommand.Invalid, before);
        Assert.Equal(CheckConfigCommand.Valid, after);
        Assert.Contains("1 valid rule(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_subscription_naming_a_format_without_a_topic_is_told_the_formats_conventional_topic()
    {
        // Index 1: the shipped appsettings.json configures index 0.
        var (exit, output) = await RunAsync("check-config", "--rules", FindExample(), "--Mqtt:Subscriptions:1:Format=tts");

        Assert.Equal(CheckConfigCommand.Valid, exit);
        Assert.Contains(
            "Mqtt:Subscriptions:1: warning: Format 'tts' without a Topic subscribes to the native topics eco/{site}/{kind}/{device}; "
                + "tts devices conventionally publish on v3/+/devices/{device}/up: set Topic to 'v3/+/devices/{device}/up', "
                + "and set Site and Kind (that topic names no site or kind)",
            output,
            StringComparison.Ordinal);
        Assert.Contains("check-config: 0 error(s), 1 warning(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_suggestion_names_the_canonical_format_and_leaves_out_what_the_subscription_sets()
    {
        var (exit, output) = await RunAsync(
            "check-config", "--rules", FindExample(),
            "--Mqtt:Subscriptions:0:Format=TTN", "--Mqtt:Subscriptions:0:Topic=eco/+/+/+", "--Mqtt:Subscriptions:0:Site=s1", "--Mqtt:Subscriptions:0:Kind=air",
            "--Mqtt:Subscriptions:1:Format=sensor-community", "--Mqtt:Subscriptions:1:Kind=air");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.Equal(CheckConfigCommand.Valid, exit);
        Assert.Equal(
            [
                "Mqtt:Subscriptions:0: warning: Format 'TTN' on Topic 'eco/+/+/+' subscribes to the native topics; "
                    + "tts devices conventionally publish on v3/+/devices/{device}/up: set Topic to 'v3/+/devices/{device}/up'",
                "Mqtt:Subscriptions:1: warning: Format 'sensor-community' without a Topic subscribes to the native topics eco/{site}/{kind}/{device}; "
                    + "sensor-community devices conventionally publish on airrohr/{site}/{device}: set Topic to 'airrohr/{site}/{device}'",
            ],
            lines[..^1]);
        Assert.StartsWith("check-config: 0 error(s), 2 warning(s)", lines[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tts", "v3/+/devices/{device}/up")]
    [InlineData("native", null)]
    [InlineData("auto", null)]
    public async Task A_subscription_with_a_topic_or_with_a_native_or_auto_format_gets_no_suggestion(string format, string? topic)
    {
        string[] subscription = ["--Mqtt:Subscriptions:0:Format=" + format, "--Mqtt:Subscriptions:0:Site=s1", "--Mqtt:Subscriptions:0:Kind=air"];
        if (topic is not null)
        {
            subscription = [.. subscription, "--Mqtt:Subscriptions:0:Topic=" + topic];
        }

        var (exit, output) = await RunAsync(["check-config", "--rules", FindExample(), .. subscription]);

        Assert.Equal(CheckConfigCommand.Valid, exit);
        Assert.Contains("check-config: 0 error(s), 0 warning(s)", output, StringComparison.Ordinal);
    }

    private const string Channel = "--Notifications:Channels:0:Name=am --Notifications:Channels:0:Type=alertmanager --Notifications:Channels:0:Url=http://127.0.0.1:9093/";

    /// <summary>Values the start used to accept and the code using them throws on (<see cref="The_values_refused_are_those_the_run_time_throws_on"/>).</summary>
    public static TheoryData<string, string, string> FailingAtRunTime => new()
    {
        { "--Influx:BreakDuration=00:00:00.200", "InfluxOptions", "BreakDuration" },
        { "--Notifications:Resilience:BreakDuration=00:00:00.200", "ResilienceTuning", "BreakDuration" },
        { "--Notifications:Resilience:RetryDelay=-00:00:01", "ResilienceTuning", "RetryDelay" },
        { "--Notifications:Resilience:Backoff=00:00:00", "ResilienceTuning", "Backoff" },
        { "--Notifications:Resilience:MaxBackoff=-00:00:01", "ResilienceTuning", "MaxBackoff" },
        { $"{Channel} --Notifications:Channels:0:Timeout=00:00:00.005", "NotificationOptions", "Channels[0].Timeout" },
        { $"{Channel} --Notifications:Channels:0:ResendInterval=00:00:00", "NotificationOptions", "Channels[0].ResendInterval" },
    };

    [Theory]
    [MemberData(nameof(FailingAtRunTime))]
    public async Task An_option_value_that_fails_at_run_time_is_refused_at_start_and_reported(string settings, string type, string member)
    {
        var (exit, output) = await RunAsync(["check-config", "--rules", FindExample(), .. settings.Split(' ')]);

        Assert.Equal(CheckConfigCommand.Invalid, exit);
        Assert.Contains($"configuration ({type}): error: {member.Split('.')[^1]}: The field {type}.{member} must be between ", output, StringComparison.Ordinal);
        Assert.Contains("check-config: 1 error(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_with_defaults_and_the_default_resilience_pass()
    {
        var (exit, output) = await RunAsync(["check-config", "--rules", FindExample(), .. Channel.Split(' ')]);

        Assert.Equal(CheckConfigCommand.Valid, exit);
        Assert.Contains("check-config: 0 error(s)", output, StringComparison.Ordinal);
    }

    /// <summary>What Polly and <see cref="PeriodicTimer"/> do with the values above, had they passed the start.</summary>
    [Fact]
    public void The_values_refused_are_those_the_run_time_throws_on()
    {
        var time = TimeProvider.System;
        var channel = new ChannelOptions { Name = "am", Type = "alertmanager" };
        Assert.ThrowsAny<Exception>(() => new StoreWritePipeline(
            Options.Create(new InfluxOptions { BreakDuration = TimeSpan.FromMilliseconds(200) }), time, NullLogger<StoreWritePipeline>.Instance, new IngestMetrics(new RuntimeMetrics()), new StoreHealth()));
        Assert.ThrowsAny<Exception>(() => ChannelResilience.Build(channel, time, new ResilienceTuning { BreakDuration = TimeSpan.FromMilliseconds(200) }));
        Assert.ThrowsAny<Exception>(() => ChannelResilience.Build(channel, time, new ResilienceTuning { RetryDelay = TimeSpan.FromSeconds(-1) }));
        Assert.ThrowsAny<Exception>(() => ChannelResilience.Build(new ChannelOptions { Timeout = TimeSpan.FromMilliseconds(5) }, time));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PeriodicTimer(TimeSpan.Zero, time));

        // A zero or negative Backoff does not throw: the worker would retry a failing channel in a busy loop.
    }

    private string Write(string yaml)
    {
        var path = Path.Combine(_directory, $"rules-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string FindExample()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "deploy", "alert-rules.example.yaml")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return Path.Combine(directory.FullName, "deploy", "alert-rules.example.yaml");
    }

    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        // The command's own default: the host's configuration builder with the --Key=Value tokens.
        var root = new RootCommand { CheckConfigCommand.Create() };
        var exit = await root.Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        Assert.Empty(error.ToString());
        return (exit, output.ToString());
    }
}
