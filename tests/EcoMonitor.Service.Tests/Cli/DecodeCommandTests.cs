using System.CommandLine;
using EcoMonitor.Service.Cli;

namespace EcoMonitor.Service.Tests.Cli;

/// <summary>The <c>decode</c> verb as an operator runs it: a file in, line protocol out, reasons on stderr.</summary>
public sealed class DecodeCommandTests : IDisposable
{
    private readonly string _file = Path.GetTempFileName();

    [Fact]
    public async Task An_accepted_payload_prints_line_protocol_and_exits_0()
    {
        await File.WriteAllTextAsync(_file, """{"ts": "2026-11-28T08:00:00Z", "seq": 1, "readings": {"pm25": 35.2, "pm10": 61.0}}""", TestContext.Current.CancellationToken);

        var (exit, output, error) = await RunAsync("decode", "--topic", "eco/s1/air/n1", "--file", _file);

        Assert.Equal(0, exit);
        Assert.Equal("air,device=n1,site=s1 pm25=35.2,pm10=61 1795852800000", output.Trim());
        Assert.Empty(error);
    }

    [Fact]
    public async Task A_partly_refused_payload_prints_the_good_points_and_each_reason_and_exits_1()
    {
        await File.WriteAllTextAsync(_file, """{"ts": 1795852800000, "readings": {"pm25": 35.2, "radon": 3, "pm10": 5000}}""", TestContext.Current.CancellationToken);

        var (exit, output, error) = await RunAsync("decode", "--topic", "eco/s1/air/n1", "--format", "native", "--file", _file);

        Assert.Equal(1, exit);
        Assert.Equal("air,device=n1,site=s1 pm25=35.2 1795852800000", output.Trim());
        var reasons = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, reasons.Length);
        Assert.Contains(reasons, r => r.StartsWith("rejected unknown-metric [record 0, radon]:", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("rejected out-of-range [record 0, pm10]:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wholly_refused_payload_prints_no_points_and_exits_2()
    {
        await File.WriteAllTextAsync(_file, "{\"ts\": ", TestContext.Current.CancellationToken);

        var (exit, output, error) = await RunAsync("decode", "--topic", "eco/s1/air/n1", "--file", _file);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.StartsWith("rejected malformed-json:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Tasmota_payload_is_decoded_with_the_subscription_given_on_the_command_line()
    {
        await File.WriteAllTextAsync(_file, """{"Time":"2026-11-28T16:00:00","BME280":{"Temperature":68,"Pressure":1000.5},"TempUnit":"F","PressureUnit":"hPa"}""", TestContext.Current.CancellationToken);

        var (exit, output, error) = await RunAsync(
            "decode", "--topic", "tele/node-7/SENSOR", "--format", "tasmota", "--topic-pattern", "tele/{device}/SENSOR",
            "--site", "lab", "--kind", "air", "--time-zone", "Asia/Shanghai", "--file", _file);

        // 16:00 in Shanghai is 08:00 UTC; 68 °F is 20 °C.
        Assert.Equal(0, exit);
        Assert.Equal("air,device=node-7,site=lab temperature=20,pressure=1000.5 1795852800000", output.Trim());
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("tts")]
    [InlineData("ttn")]
    [InlineData("TTN")]
    public async Task A_format_named_without_a_topic_pattern_is_decoded_on_its_conventional_topic(string format)
    {
        await File.WriteAllTextAsync(
            _file,
            """
            {"end_device_ids": {"device_id": "node-1", "application_ids": {"application_id": "app"}},
             "uplink_message": {"f_cnt": 12, "decoded_payload": {"pm2_5": 35.2, "pm10": 61.0}, "received_at": "2026-11-28T08:00:00Z"}}
            """,
            TestContext.Current.CancellationToken);

        var (exit, output, error) = await RunAsync(
            "decode", "--format", format, "--topic", "v3/app@ttn/devices/node-1/up", "--site", "s1", "--kind", "air", "--file", _file);

        Assert.Equal(0, exit);
        Assert.Equal("air,device=node-1,site=s1 pm25=35.2,pm10=61 1795852800000", output.Trim());
        Assert.Empty(error);
    }

    [Fact]
    public async Task A_topic_off_the_formats_conventional_pattern_is_refused_as_a_bad_topic()
    {
        await File.WriteAllTextAsync(_file, """{"Time":"2026-11-28T08:00:00","BME280":{"Temperature":20}}""", TestContext.Current.CancellationToken);

        var (exit, output, error) = await RunAsync("decode", "--format", "tasmota", "--topic", "tele/node-7/STATE", "--site", "lab", "--kind", "air", "--file", _file);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.StartsWith("rejected bad-topic:", error, StringComparison.Ordinal);
        Assert.Contains("tele/{device}/SENSOR", error, StringComparison.Ordinal);
    }

    public void Dispose() => File.Delete(_file);

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await EcoMonitorCommandLine.Create(args).Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
