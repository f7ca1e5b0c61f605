using EcoMonitor.FirmwareSim.Cli;
using EcoMonitor.FirmwareSim.Fleet;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Cli;

/// <summary><c>--format</c>, <c>--faults</c> and <c>--fault-every</c> on the command line.</summary>
public sealed class CommandLineTests
{
    private static System.CommandLine.ParseResult Parse(params string[] args) => FleetCommand.Create(TimeProvider.System).Parse(args);

    [Theory]
    [InlineData("native", PayloadFormat.Native)]
    [InlineData("senml", PayloadFormat.Senml)]
    [InlineData("tts", PayloadFormat.Tts)]
    [InlineData("sensor-community", PayloadFormat.SensorCommunity)]
    public void Every_format_has_its_service_name(string name, PayloadFormat format)
    {
        var result = Parse("--format", name);
        Assert.Empty(result.Errors);
        Assert.Equal(format, result.GetValue<PayloadFormat>("--format"));
        Assert.Equal(name, PayloadFormatNames.Name(format));
    }

    [Fact]
    public void Defaults_are_native_and_the_classic_faults()
    {
        // Not given, the options keep what FleetOptions (or a scenario) says.
        Assert.Empty(Parse().Errors);
        Assert.Equal(PayloadFormat.Native, new FleetOptions().Format);
        Assert.Equal(FaultKinds.Default, new FleetOptions().Faults);
        Assert.Equal(
            [FaultKind.MalformedJson, FaultKind.OutOfRange, FaultKind.UnknownMetric, FaultKind.StringValue],
            FaultKinds.Default);
    }

    [Fact]
    public void Faults_come_with_a_rate_under_either_name()
    {
        var result = Parse("--faults", "stuck-value,spike,impersonation", "--fault-every", "10");
        Assert.Empty(result.Errors);
        Assert.Equal([FaultKind.StuckValue, FaultKind.Spike, FaultKind.Impersonation], result.GetValue<IReadOnlyList<FaultKind>>("--faults"));
        Assert.Equal(10, result.GetValue<int>("--invalid-every"));
        Assert.Empty(Parse("--faults", "all", "--invalid-every", "3").Errors);
    }

    [Theory]
    [InlineData("--format", "json")]
    [InlineData("--faults", "spike,flood", "--fault-every", "5")]
    [InlineData("--faults", "spike")]
    public void Mistakes_are_usage_errors(params string[] args) => Assert.NotEmpty(Parse(args).Errors);
}
