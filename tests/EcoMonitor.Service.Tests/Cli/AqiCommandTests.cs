using System.CommandLine;
using System.Text.Json;
using EcoMonitor.Service.Cli;
using Xunit;

namespace EcoMonitor.Service.Tests.Cli;

/// <summary>The <c>aqi</c> verb (docs/cli.md#aqi) as an operator or a script runs it.</summary>
public sealed class AqiCommandTests
{
    [Fact]
    public async Task Json_output_is_one_object_with_the_DESIGN_keys()
    {
        var (exit, output, error) = await RunAsync("aqi", "--standard", "hj633-2026", "pm25_24h=60", "pm10_24h=120", "o3_8h=100", "--json");

        Assert.Equal(0, exit);
        Assert.Empty(error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("hj633-2026", root.GetProperty("standard").GetString());
        Assert.Equal(100, root.GetProperty("aqi").GetInt32());
        Assert.Equal(2, root.GetProperty("level").GetInt32());
        Assert.Equal("Good", root.GetProperty("category").GetString());
        Assert.Equal("良", root.GetProperty("categoryZh").GetString());
        Assert.Equal("#FFFF00", root.GetProperty("color").GetString());
        Assert.Equal([255, 255, 0], root.GetProperty("colorRgb").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(["pm25_24h", "pm10_24h"], root.GetProperty("primary").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("nonAttainment").ValueKind);
        var iaqi = root.GetProperty("iaqi");
        Assert.Equal(["pm25_24h", "pm10_24h", "o3_8h"], iaqi.EnumerateObject().Select(p => p.Name));
        Assert.Equal(100, iaqi.GetProperty("pm25_24h").GetInt32());
        Assert.Equal(50, iaqi.GetProperty("o3_8h").GetInt32());
        Assert.Equal(3, root.GetProperty("inputs").GetArrayLength());
    }

    [Fact]
    public async Task Json_has_null_for_what_the_standard_does_not_define()
    {
        var (exit, output, _) = await RunAsync("aqi", "--standard", "epa-2024", "o3_1h=0.1", "--json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("aqi").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("iaqi").GetProperty("o3_1h").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("level").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("color").ValueKind);
        Assert.Equal(0, root.GetProperty("primary").GetArrayLength());
        Assert.Contains("0.125", root.GetProperty("inputs")[0].GetProperty("note").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_of_HJ_2012_lists_the_non_attainment_pollutants()
    {
        var (exit, output, _) = await RunAsync("aqi", "--standard", "hj633-2012", "pm25_24h=80", "so2_24h=150", "--json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["pm25_24h"], json.RootElement.GetProperty("nonAttainment").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(107, json.RootElement.GetProperty("aqi").GetInt32());
    }

    [Fact]
    public async Task The_table_shows_each_input_then_AQI_level_category_colour_and_primary()
    {
        var (exit, output, error) = await RunAsync("aqi", "--standard", "epa-2024", "o3_8h=0.078", "pm25_24h=35.9", "co_8h=8.4");

        Assert.Equal(0, exit);
        Assert.Empty(error);
        var lines = output.Split('\n');
        Assert.StartsWith("input", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("o3_8h (O3 8h)", StringComparison.Ordinal) && l.TrimEnd().EndsWith("126", StringComparison.Ordinal));
        Assert.Contains("AQI:            126", output, StringComparison.Ordinal);
        Assert.Contains("category:       对敏感人群不健康 / Unhealthy for Sensitive Groups", output, StringComparison.Ordinal);
        Assert.Contains("colour:         orange #FF7E00 (RGB 255, 126, 0)", output, StringComparison.Ordinal);
        Assert.Contains("primary:        o3_8h (O3 8h)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_table_says_there_is_no_primary_pollutant_at_AQI_50_or_less()
    {
        var (exit, output, _) = await RunAsync("aqi", "--standard", "hj633-2026", "pm25_24h=35");

        Assert.Equal(0, exit);
        Assert.Contains("level:          1 (一级)", output, StringComparison.Ordinal);
        Assert.Contains("primary:        none (AQI \u2264 50)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_lists_every_problem_on_stderr_and_exits_1()
    {
        var (exit, output, error) = await RunAsync("aqi", "--standard", "hj633-2026", "pm25=3", "no2_1h=-5", "co_1h=NaN", "o3_8h", "so2_1h=abc", "--json");

        Assert.Equal(1, exit);
        Assert.Empty(output);
        var problems = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, problems.Length);
        Assert.Contains(problems, p => p.StartsWith("error: pm25: not an input of hj633-2026", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("error: no2_1h: -5", StringComparison.Ordinal) && p.Contains("negative", StringComparison.Ordinal));
        Assert.Contains("error: co_1h: NaN is not a finite number", problems);
        Assert.Contains(problems, p => p.StartsWith("error: 'o3_8h': expected name=value", StringComparison.Ordinal));
        Assert.Contains("error: so2_1h: 'abc' is not a number", problems);
    }

    [Fact]
    public async Task A_PM_1h_input_under_HJ_2012_is_refused_with_the_reason()
    {
        var (exit, _, error) = await RunAsync("aqi", "--standard", "hj633-2012", "pm25_1h=50");

        Assert.Equal(1, exit);
        Assert.Contains("no 1-h PM breakpoints", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aqi", "pm25_24h=35")]
    [InlineData("aqi", "--standard", "hj633", "pm25_24h=35")]
    [InlineData("aqi", "--standard", "epa-2024")]
    public async Task A_missing_or_unknown_standard_or_no_concentration_exits_1(params string[] args)
    {
        var (exit, _, error) = await RunAsync(args);

        Assert.Equal(1, exit);
        Assert.NotEmpty(error);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var root = new RootCommand { AqiCommand.Create() };
        var exit = await root.Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
