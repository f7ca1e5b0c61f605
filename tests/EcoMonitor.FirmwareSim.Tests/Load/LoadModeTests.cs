using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Validation;
using EcoMonitor.FirmwareSim.Cli;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Load;
using EcoMonitor.FirmwareSim.Signals;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Load;

/// <summary>Load mode without a broker: devices, payloads, options and the command line.</summary>
public sealed class LoadModeTests
{
    private static readonly MessageIngestor Ingestor = new(
        PayloadFormats.Default,
        new ReadingValidator(MetricCatalog.Default, new ValidationOptions()),
        new DecoderLimits());

    [Fact]
    public void Devices_are_dealt_over_sites_then_kinds_with_distinct_topics()
    {
        var devices = LoadDevice.Layout(new FleetOptions { Sites = 2 }, 13);
        Assert.Equal(
            ["site-01/air/air-01", "site-02/air/air-01", "site-01/water/water-01", "site-02/water/water-01", "site-01/soil/soil-01", "site-02/soil/soil-01", "site-01/air/air-02"],
            devices.Take(7).Select(d => $"{d.Identity.Site}/{d.Identity.Kind}/{d.Identity.Device}"));
        Assert.Equal(13, devices.Select(d => d.Topic).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 13), devices.Select(d => d.Identity.Index));

        var many = LoadDevice.Layout(new FleetOptions { Sites = 100 }, 10_000);
        Assert.Equal(10_000, many.Select(d => d.Topic).Distinct().Count());
        Assert.Equal("eco/site-100/air/air-34", many[^1].Topic);

        // Without --devices: the fleet's own layout, scenario layouts included.
        var fleet = new FleetOptions { Layout = [new SiteLayout("north", 1, 2, 0)] };
        Assert.Equal(["eco/north/air/air-01", "eco/north/water/water-01", "eco/north/water/water-02"], LoadDevice.Layout(fleet, null).Select(d => d.Topic));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(13)]
    [InlineData(100)]
    public void Every_payload_is_accepted_whole_by_the_service(int? readingsPerMessage)
    {
        var time = new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);
        var writer = new LoadMessageWriter(new SignalModel(1), readingsPerMessage, TimeSpan.FromSeconds(1));
        foreach (var device in LoadDevice.Layout(new FleetOptions { Sites = 1 }, 3))
        {
            var seen = new HashSet<(string, long)>();
            for (var seq = 1L; seq <= 3; seq++)
            {
                var sentAt = time.AddSeconds(seq);
                var payload = writer.Write(device, seq, sentAt);
                var result = Ingestor.Ingest(new IncomingMessage(device.Topic, payload, sentAt), SubscriptionProfile.Native);
                Assert.Empty(result.Rejections);
                Assert.Equal(writer.ReadingsOf(device), result.Accepted.Count);
                Assert.Equal(readingsPerMessage ?? device.Metrics.Count, result.Accepted.Count);
                // A series never gets two points in one millisecond, within a message or across them.
                Assert.All(result.Accepted, r => Assert.True(seen.Add((r.Metric, r.TimestampMs)), $"{r.Metric} twice at {r.TimestampMs}"));
                Assert.All(result.Accepted, r => Assert.InRange(r.TimestampMs, (sentAt - TimeSpan.FromSeconds(1)).ToUnixTimeMilliseconds() + 1, sentAt.ToUnixTimeMilliseconds()));
            }
        }
    }

    [Fact]
    public void A_batch_is_a_native_array_of_records_spread_over_the_device_period()
    {
        var device = LoadDevice.Layout(new FleetOptions { Sites = 1 }, 3)[2]; // soil: 4 metrics
        var writer = new LoadMessageWriter(new SignalModel(1), 10, TimeSpan.FromSeconds(3));
        var text = System.Text.Encoding.UTF8.GetString(writer.Write(device, 2, new DateTimeOffset(2026, 11, 28, 8, 0, 3, TimeSpan.Zero)));
        Assert.StartsWith("[{\"ts\":\"2026-11-28T08:00:01.000Z\",\"seq\":4,\"readings\":{\"moisture\":", text, StringComparison.Ordinal);
        Assert.Contains("{\"ts\":\"2026-11-28T08:00:02.000Z\",\"seq\":5,", text, StringComparison.Ordinal);
        Assert.Contains("{\"ts\":\"2026-11-28T08:00:03.000Z\",\"seq\":6,\"readings\":{\"moisture\":", text, StringComparison.Ordinal);
        Assert.EndsWith("}}]", text, StringComparison.Ordinal);
        var receivedAt = new DateTimeOffset(2026, 11, 28, 8, 0, 3, TimeSpan.Zero);
        Assert.Equal(10, Ingestor.Ingest(new IncomingMessage(device.Topic, System.Text.Encoding.UTF8.GetBytes(text), receivedAt), SubscriptionProfile.Native).Accepted.Count);
    }

    [Fact]
    public void Options_are_validated()
    {
        new LoadOptions { Rate = 10_000, Devices = 10_000 }.Validate();
        Assert.Equal(300_000, new LoadOptions { Rate = 10_000, Fleet = new FleetOptions { Duration = TimeSpan.FromSeconds(30) } }.TotalMessages);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadOptions { Rate = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadOptions { Rate = 0.01, Fleet = new FleetOptions { Duration = TimeSpan.FromSeconds(10) } }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadOptions { Connections = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadOptions { MaxInflight = 70_000 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadOptions { ReadingsPerMessage = 10_001 }.Validate());
        // 10 devices cannot share 20,000 messages a second: each would send two points a millisecond.
        var tooFast = Assert.Throws<ArgumentOutOfRangeException>(() => new LoadOptions { Rate = 20_000, Devices = 10 }.Validate());
        Assert.Contains("one per millisecond", tooFast.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadOptions { Rate = 1000, Devices = 10, ReadingsPerMessage = 600 }.Validate());
    }

    [Fact]
    public void The_summary_line_has_a_fixed_shape()
    {
        var summary = new LoadSummary(10_000, 9987.4, 300_000, 300_000, 299_620, 0, 0, 1_498_100,
            new LatencySummary(299_620, 0.8, 2.5, 7.25, 40, 1.1), new LatencySummary(300_000, 0.5, 1, 2, 20, 0.6),
            9950, 10_050, 10_000, 4, 1, null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
        Assert.Equal(
            "load requested_rate=10000 achieved_rate=9987.4 messages=299620 readings=1498100 failed=0 unsent=0 p50_ms=0.8 p95_ms=2.5 p99_ms=7.25 max_ms=40 devices=10000 connections=4 qos=1",
            summary.ToSummaryLine());
        Assert.Equal(0.9987, summary.RateRatio);
    }

    [Theory]
    [InlineData("--rate", "0")]
    [InlineData("--qos", "2")]
    [InlineData("--connections", "0")]
    [InlineData("--duration", "30")]
    [InlineData("--devices", "many")]
    public void Bad_load_options_are_usage_errors(string option, string value)
    {
        var parse = FleetCommand.Create(TimeProvider.System).Parse(["load", option, value]);
        Assert.NotEmpty(parse.Errors);
    }

    [Fact]
    public void Load_options_come_from_the_command_line_over_the_scenario()
    {
        var parse = FleetCommand.Create(TimeProvider.System).Parse(["load", "--rate", "2500", "--devices", "40", "--readings-per-message", "3", "--connections", "2", "--qos", "0", "--burst-window", "10ms"]);
        Assert.Empty(parse.Errors);
        Assert.Equal(2500, parse.GetValue<double>("--rate"));
        Assert.Equal(40, parse.GetValue<int?>("--devices"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), parse.GetValue<TimeSpan>("--burst-window"));
    }
}
