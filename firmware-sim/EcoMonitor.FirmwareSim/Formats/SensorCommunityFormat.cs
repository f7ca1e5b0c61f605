using System.Collections.Frozen;
using System.Globalization;
using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Formats;

/// <summary>
/// Sensor.Community (luftdaten) airRohr JSON as its "send to own API" posts it and an MQTT relay forwards it
/// on <c>airrohr/{site}/esp8266-{chip id}</c>:
/// <c>{"esp8266id":"10003","software_version":"NRZ-2024-135","sensordatavalues":[{"value_type":"SDS_P1","value":"33.10"},…]}</c>.
/// </summary>
/// <remarks>
/// <para>Air nodes only: airRohr is an air-quality kit. Water and soil nodes keep the native format and topic.
/// An airRohr node is an SDS011 (<c>SDS_P1</c> = pm10, <c>SDS_P2</c> = pm25) and a BME280 (<c>BME280_temperature</c>,
/// <c>BME280_humidity</c>, <c>BME280_pressure</c> in Pa), in that firmware order; it has no NO₂ sensor, so it reports
/// five of the air node's six metrics. Values are strings with two decimals (<c>String(float)</c>), followed by the
/// firmware's diagnostics (<c>samples</c>, <c>min_micro</c>, <c>max_micro</c>, <c>interval</c>, <c>signal</c>), which
/// the service ignores. The payload has no time and no sequence number: the service stamps the receive time.</para>
/// <para>Device: the chip id is <c>site number × 10000 + device number</c> (<c>site-01</c>/<c>air-03</c> → 10003), so
/// the service stores the device as <c>esp8266-10003</c>, the name the firmware sends as <c>X-Sensor</c>; names
/// without such numbers get an 8-digit id from a hash. The relay publishes each node on a topic of its own, so a
/// node posing as another (the sibling's <c>esp8266id</c> on its own topic) is an <c>identity-mismatch</c>.</para>
/// <para>Faults: no clock jump (there is no time to jump); a wrong unit is the BME280 pressure in hPa where the
/// firmware sends Pa: 1013.2 Pa = 10.1 hPa, <c>out-of-range</c>.</para>
/// </remarks>
public sealed class SensorCommunityFormat(TimeSpan interval) : IMessageFormat
{
    public const string SoftwareVersion = "NRZ-2024-135";

    /// <summary>Catalog metric → value_type, in the order the firmware writes them.</summary>
    private static readonly (string Metric, string ValueType)[] ValueTypes =
    [
        ("pm10", "SDS_P1"),
        ("pm25", "SDS_P2"),
        ("temperature", "BME280_temperature"),
        ("humidity", "BME280_humidity"),
        ("pressure", "BME280_pressure"),
    ];

    private static readonly FrozenDictionary<string, string> ValueTypeOf =
        ValueTypes.ToFrozenDictionary(pair => pair.Metric, pair => pair.ValueType, StringComparer.Ordinal);

    private static readonly IReadOnlyList<SimulatedMetric> AirMetrics =
        [.. ValueTypes.Select(pair => FleetCatalog.Metric(FleetCatalog.Air, pair.Metric))];

    private readonly string _intervalMs = ((long)interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    public PayloadFormat Format => PayloadFormat.SensorCommunity;

    public bool Serves(string kind) => kind == FleetCatalog.Air;

    public string Topic(NodeIdentity node) => $"airrohr/{node.Site}/{DeviceName(node)}";

    /// <summary>The device the service stores for <paramref name="node"/>: <c>esp8266-{chip id}</c>.</summary>
    public static string DeviceName(NodeIdentity node) => "esp8266-" + ChipId(node).ToString(CultureInfo.InvariantCulture);

    /// <summary>The node's ESP8266 chip id: site number × 10000 + device number, else a hash of 8 digits.</summary>
    public static int ChipId(NodeIdentity node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Wire.TrailingNumber(node.Site) is { } site and < 10_000 && Wire.TrailingNumber(node.Device) is { } device and < 10_000)
        {
            return (site * 10_000) + device;
        }

        return 10_000_000 + (int)(Wire.Hash(node.Site, node.Device) % 90_000_000);
    }

    public IReadOnlyList<SimulatedMetric> Metrics(string kind) =>
        Serves(kind) ? AirMetrics : throw new ArgumentOutOfRangeException(nameof(kind), kind, "Sensor.Community nodes are air nodes.");

    public bool CanCarry(FaultKind fault) => fault is not (FaultKind.ClockAhead or FaultKind.ClockBehind);

    /// <summary>The pressure in hPa under <c>BME280_pressure</c>, which is Pa.</summary>
    public WireReading WrongUnit(string kind, Func<string, double> valueOf)
    {
        ArgumentNullException.ThrowIfNull(valueOf);
        return new WireReading("pressure", valueOf("pressure"), Raw: true);
    }

    public byte[] Write(WireMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var node = message.Node;
        var diagnostics = Wire.Hash(node.Site, node.Device, message.Seq.ToString(CultureInfo.InvariantCulture));
        return Wire.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("esp8266id", ChipId(message.Claimed).ToString(CultureInfo.InvariantCulture));
            writer.WriteString("software_version", SoftwareVersion);
            writer.WriteStartArray("sensordatavalues");
            foreach (var reading in message.Readings)
            {
                var type = ValueTypeOf.TryGetValue(reading.Metric, out var known) ? known : reading.Metric;
                Entry(type, reading.Text ?? Decimals(reading.Raw ? reading.Value : ToWireUnit(reading.Metric, reading.Value)));
            }

            Entry("samples", (400_000 + (long)(diagnostics % 300_000)).ToString(CultureInfo.InvariantCulture));
            Entry("min_micro", (200 + (long)((diagnostics >> 20) % 100)).ToString(CultureInfo.InvariantCulture));
            Entry("max_micro", (20_000 + (long)((diagnostics >> 28) % 10_000)).ToString(CultureInfo.InvariantCulture));
            Entry("interval", _intervalMs);
            Entry("signal", (-40 - (long)((diagnostics >> 40) % 50)).ToString(CultureInfo.InvariantCulture));
            writer.WriteEndArray();
            writer.WriteEndObject();

            void Entry(string type, string value)
            {
                writer.WriteStartObject();
                writer.WriteString("value_type", type);
                writer.WriteString("value", value);
                writer.WriteEndObject();
            }
        });
    }

    /// <summary>Bosch drivers give pressure in Pa; every other value is in its catalog unit.</summary>
    private static double ToWireUnit(string metric, double value) => metric == "pressure" ? Math.Round(value * 100, 2) : value;

    /// <summary>Arduino's <c>String(float)</c>: two decimals.</summary>
    private static string Decimals(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
}
