using System.Text;
using EcoMonitor.Core.Decoding;
using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;
using EcoMonitor.FirmwareSim.Signals;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Formats;

/// <summary>
/// Acceptance 2, good messages: every format's messages decode without a single rejection in the service's
/// decoders, through the subscriptions README "Formats" gives, into exactly the readings the simulator modelled.
/// </summary>
public sealed class FormatAcceptanceTests
{
    private const int Messages = 2000;

    /// <summary>Milliseconds in the start, so time resolution is exercised.</summary>
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, 250, TimeSpan.Zero);

    /// <summary>When the service receives each message: 180 ms after the node composed it.</summary>
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(180);

    public static TheoryData<PayloadFormat> Formats => [.. PayloadFormatNames.All];

    private static FleetOptions Options(PayloadFormat format) => new()
    {
        Format = format,
        Seed = 11,
        Sites = 2,
        NodesPerKind = 5,
        Interval = TimeSpan.FromSeconds(1),
        Duration = TimeSpan.FromMinutes(2),
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_message_is_accepted_whole_with_the_modelled_readings(PayloadFormat format)
    {
        var options = Options(format);
        var nodes = NodeIdentity.Layout(options);
        var subscriptions = ServiceSide.Subscriptions(format, nodes);
        var model = new SignalModel(options.Seed);
        long readings = 0;
        var formats = new HashSet<PayloadFormat>();

        foreach (var (node, _, time, message) in FleetScript.Messages(options, Start).Take(Messages))
        {
            var receivedAt = time + Latency;
            var result = ServiceSide.Ingest(subscriptions, message, receivedAt);

            Assert.True(result.Rejections.Count == 0, $"{message.Topic}: {string.Join("; ", result.Rejections)}\n{Encoding.UTF8.GetString(message.Payload)}");
            Assert.Null(message.Fault);
            Assert.Null(message.Anomaly);
            Assert.Equal(message.Readings, result.Accepted.Count);

            // Every metric of the kind; an airRohr node has no NO2 sensor.
            var metrics = FleetCatalog.MetricsOf(node.Kind).Count - (message.Format == PayloadFormat.SensorCommunity ? 2 : 0); // airRohr has no NO2 or O3 sensor
            Assert.Equal(metrics, message.Readings);
            Assert.Equal(PayloadFormatNames.Name(message.Format), result.Format);
            formats.Add(message.Format);
            readings += result.Accepted.Count;

            foreach (var reading in result.Accepted)
            {
                Assert.Equal(ServiceSide.Kind(node.Kind), reading.Kind);
                Assert.Equal(node.Site, reading.Site);
                Assert.Equal(ServiceSide.StoredDevice(node, message.Format), reading.Device);

                // Bit for bit, whatever units and number formats the payload went through.
                Assert.Equal(model.Value(node.Site, node.Kind, node.Device, reading.Metric, time), reading.Value);

                // Sensor.Community sends no time: the service stamps the receive time.
                var expected = message.Format == PayloadFormat.SensorCommunity ? receivedAt : time;
                Assert.Equal(expected.ToUnixTimeMilliseconds(), reading.TimestampMs);
            }
        }

        // Air, water and soil in every format; Sensor.Community only from air nodes, so its fleet is mixed.
        Assert.True(readings > Messages * 4);
        Assert.Equal(format == PayloadFormat.SensorCommunity ? [PayloadFormat.Native, PayloadFormat.SensorCommunity] : [format], formats.Order());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Auto_detection_picks_the_format_of_every_message(PayloadFormat format)
    {
        var options = Options(format);
        var nodes = NodeIdentity.Layout(options);
        var auto = ServiceSide.Subscriptions(format, nodes)
            .Select(profile => new SubscriptionProfile { Format = PayloadFormats.Auto, Topic = profile.Topic, Site = profile.Site, Kind = profile.Kind })
            .ToList();

        foreach (var (_, _, time, message) in FleetScript.Messages(options, Start).Take(300))
        {
            var result = ServiceSide.Ingest(auto, message, time + Latency);
            Assert.Empty(result.Rejections);
            Assert.Equal(PayloadFormatNames.Name(message.Format), result.Format);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Payloads_are_plain_compact_json_with_the_documented_topics(PayloadFormat format)
    {
        foreach (var (node, _, _, message) in FleetScript.Messages(Options(format), Start).Take(90))
        {
            var text = Encoding.UTF8.GetString(message.Payload);
            Assert.DoesNotContain("\\u", text, StringComparison.Ordinal);
            Assert.DoesNotContain(" ", text, StringComparison.Ordinal);
            var expectedTopic = message.Format switch
            {
                PayloadFormat.Native => $"eco/{node.Site}/{node.Kind}/{node.Device}",
                PayloadFormat.Senml => $"senml/{node.Site}/{node.Kind}/{node.Device}",
                PayloadFormat.Tts => $"v3/eco-{node.Site}-{node.Kind}@ttn/devices/{node.Device}/up",
                _ => $"airrohr/{node.Site}/esp8266-{SensorCommunityFormat.ChipId(node)}",
            };
            Assert.Equal(expectedTopic, message.Topic);
        }
    }

    [Fact]
    public void Chip_ids_are_unique_in_the_largest_fleet()
    {
        var options = new FleetOptions { Sites = 3333, NodesPerKind = 1 };
        var ids = NodeIdentity.Layout(options).Where(node => node.Kind == FleetCatalog.Air).Select(SensorCommunityFormat.ChipId).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.InRange(id, 1, 99_999_999));
    }
}
