using System.Buffers.Binary;
using System.Globalization;
using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Formats;

/// <summary>
/// The Things Stack v3 MQTT integration: one uplink message per reading set on
/// <c>v3/{application}@ttn/devices/{device}/up</c>, the readings in <c>uplink_message.decoded_payload</c> as the
/// application's payload formatter would give them (catalog names, catalog units).
/// </summary>
/// <remarks>
/// <para>One application per site and kind, <c>eco-{site}-{kind}</c> (e.g. <c>eco-site-01-air</c>): a TTS topic has no
/// level for either, so the service takes both from the subscription, one per application (README "Formats").
/// Device id = the node's device (<c>air-01</c>), unique within its application as TTS requires.</para>
/// <para>The envelope is what TTS sends, with deterministic stand-ins for radio data: <c>end_device_ids</c>
/// (device id, application id, DevEUI and DevAddr derived from the node's name), <c>received_at</c> (Application
/// Server, 25 ms after the Network Server), <c>uplink_message</c> with <c>f_port</c> 2, <c>f_cnt</c> = seq (never 0, so
/// never omitted), <c>frm_payload</c> (the readings as big-endian int32 hundredths), <c>rx_metadata</c> (one gateway
/// <c>eco-gw-{site}</c>, RSSI and SNR per message), <c>settings</c> (EU868, SF7–SF10 per node), <c>received_at</c> (the
/// device's message time) and <c>consumed_airtime</c>.</para>
/// <para>Faults: LoRaWAN frames carry no device time, so a clock jump is in the Network Server's <c>received_at</c>
/// (both times jump); a wrong unit is the temperature in kelvin (<c>out-of-range</c>: the formatter states no unit);
/// a node posing as another puts the sibling's ids in <c>end_device_ids</c> on its own topic (<c>identity-mismatch</c>).</para>
/// </remarks>
public sealed class TtsFormat : IMessageFormat
{
    public const string Tenant = "ttn";

    /// <summary>EU868 uplink channels, Hz (TTS writes the frequency as a string).</summary>
    private static readonly string[] Frequencies =
        ["868100000", "868300000", "868500000", "867100000", "867300000", "867500000", "867700000", "867900000"];

    /// <summary>Airtime of a ~30-byte uplink at 125 kHz, SF7…SF10.</summary>
    private static readonly string[] Airtimes = ["0.071936s", "0.133120s", "0.246784s", "0.452608s"];

    public static TtsFormat Instance { get; } = new();

    public PayloadFormat Format => PayloadFormat.Tts;

    public bool Serves(string kind) => true;

    /// <summary>The TTS application of a node: <c>eco-{site}-{kind}</c>.</summary>
    public static string ApplicationId(NodeIdentity node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return $"eco-{node.Site}-{node.Kind}";
    }

    public string Topic(NodeIdentity node) => $"v3/{ApplicationId(node)}@{Tenant}/devices/{node.Device}/up";

    public IReadOnlyList<SimulatedMetric> Metrics(string kind) => FleetCatalog.MetricsOf(kind);

    public bool CanCarry(FaultKind fault) => true;

    public WireReading WrongUnit(string kind, Func<string, double> valueOf)
    {
        ArgumentNullException.ThrowIfNull(valueOf);
        return new WireReading("temperature", NativeFormat.Kelvin(valueOf("temperature")));
    }

    public byte[] Write(WireMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var node = message.Node;
        var device = message.Claimed;
        var deviceHash = Wire.Hash(device.Site, device.Kind, device.Device);
        var radio = Wire.Hash(node.Site, node.Kind, node.Device, message.Seq.ToString(CultureInfo.InvariantCulture));
        var spreadingFactor = 7 + (int)(deviceHash % 4);
        var rssi = -60 - (int)(radio % 60);
        var snr = ((int)((radio >> 8) % 81) - 20) / 4.0;
        var channel = (int)((radio >> 16) % (ulong)Frequencies.Length);
        return Wire.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("end_device_ids");
            writer.WriteString("device_id", device.Device);
            writer.WriteStartObject("application_ids");
            writer.WriteString("application_id", ApplicationId(node));
            writer.WriteEndObject();
            writer.WriteString("dev_eui", (deviceHash >> 4).ToString("X16", CultureInfo.InvariantCulture));
            writer.WriteString("dev_addr", ((uint)(deviceHash >> 32) & 0x01FFFFFF | 0x26000000).ToString("X8", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
            writer.WriteString("received_at", Wire.Timestamp(message.Timestamp.AddMilliseconds(25)));

            writer.WriteStartObject("uplink_message");
            writer.WriteNumber("f_port", 2);
            writer.WriteNumber("f_cnt", message.Seq);
            writer.WriteBase64String("frm_payload", FramePayload(message.Readings));
            writer.WriteStartObject("decoded_payload");
            foreach (var reading in message.Readings)
            {
                if (reading.Text is { } text)
                {
                    writer.WriteString(reading.Metric, text);
                }
                else
                {
                    writer.WriteNumber(reading.Metric, reading.Value);
                }
            }

            writer.WriteEndObject();
            writer.WriteStartArray("rx_metadata");
            writer.WriteStartObject();
            writer.WriteStartObject("gateway_ids");
            writer.WriteString("gateway_id", $"eco-gw-{node.Site}");
            writer.WriteEndObject();
            writer.WriteString("time", Wire.Timestamp(message.Timestamp.AddMilliseconds(-12)));
            writer.WriteNumber("rssi", rssi);
            writer.WriteNumber("channel_rssi", rssi);
            writer.WriteNumber("snr", snr);
            writer.WriteNumber("channel_index", channel);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteStartObject("settings");
            writer.WriteStartObject("data_rate");
            writer.WriteStartObject("lora");
            writer.WriteNumber("bandwidth", 125000);
            writer.WriteNumber("spreading_factor", spreadingFactor);
            writer.WriteString("coding_rate", "4/5");
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteString("frequency", Frequencies[channel]);
            writer.WriteEndObject();
            writer.WriteString("received_at", Wire.Timestamp(message.Timestamp));
            writer.WriteString("consumed_airtime", Airtimes[spreadingFactor - 7]);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    /// <summary>What the node put in the LoRaWAN frame: each reading as a big-endian int32 of hundredths (a string as int.MinValue).</summary>
    private static byte[] FramePayload(IReadOnlyList<WireReading> readings)
    {
        var frame = new byte[readings.Count * 4];
        for (var i = 0; i < readings.Count; i++)
        {
            var reading = readings[i];
            var hundredths = reading.Text is null ? Math.Clamp(Math.Round(reading.Value * 100), int.MinValue + 1, int.MaxValue) : int.MinValue;
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(i * 4), (int)hundredths);
        }

        return frame;
    }
}
