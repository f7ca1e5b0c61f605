using System.CommandLine;
using EcoMonitor.Service.Cli;
using Xunit;

namespace EcoMonitor.Service.Tests.Cli;

/// <summary>The <c>check-config</c> verb (DESIGN §7): every problem listed, exit 0 or 1.</summary>
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
