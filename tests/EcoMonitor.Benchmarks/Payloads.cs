using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;

namespace EcoMonitor.Benchmarks;

/// <summary>One message as it comes off the broker, the subscription that decodes it, and the readings it holds.</summary>
internal sealed record PayloadSample(string Topic, byte[] Payload, SubscriptionProfile Profile, int Readings)
{
    public IncomingMessage Message => new(Topic, Payload, Payloads.ReceivedAt);

    public DecodeContext Context(DecoderLimits limits) => new(Message, Profile, limits);
}

/// <summary>
/// A message of each wire format as the fleet's air nodes send it (docs/formats.md,
/// docs/mqtt.md#native-payload), with plausible values: <see cref="CheckAccepted"/> makes sure the
/// service accepts every reading, so the figures are those of the normal path and not of a refusal.
/// </summary>
internal static class Payloads
{
    /// <summary>The device time of a message's newest record.</summary>
    public static readonly DateTimeOffset At = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    /// <summary>A second after <see cref="At"/>: the broker's delivery.</summary>
    public static readonly DateTimeOffset ReceivedAt = At.AddSeconds(1);

    /// <summary>The service's own parts, as it builds them with default options.</summary>
    public static MessageIngestor Ingestor() =>
        new(PayloadFormats.Default, new ReadingValidator(MetricCatalog.Default, new ValidationOptions()), new DecoderLimits());

    /// <summary>The first air node of the fleet that is not stuck: the node every format sample speaks for.</summary>
    public static Device AirNode(Fleet fleet) => fleet.Devices.First(d => d.Kind == SensorKind.Air && !d.Stuck);

    public static string NativeTopic(Device device) => $"eco/{device.Site}/{device.Kind.ToName()}/{device.Name}";

    /// <summary>
    /// The native format as the load generator writes it (docs/performance.md): up to the kind's
    /// metric count, one record <c>{"ts","seq","readings":{…}}</c>; beyond, an array of records with
    /// every metric, the last one short, a minute apart up to <see cref="At"/> (a node uploading what
    /// it sampled since its last message).
    /// </summary>
    public static PayloadSample Native(Device device, int readings, SubscriptionProfile? profile = null)
    {
        var metrics = Fleet.MetricsOf(device.Kind);
        var records = (readings + metrics.Count - 1) / metrics.Count;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (records > 1)
            {
                writer.WriteStartArray();
            }

            for (var r = 0; r < records; r++)
            {
                writer.WriteStartObject();
                writer.WriteString("ts", Timestamp(At.AddMinutes(r - records + 1)));
                writer.WriteNumber("seq", 1841 + r);
                writer.WriteStartObject("readings");
                for (var m = 0; m < Math.Min(metrics.Count, readings - (r * metrics.Count)); m++)
                {
                    writer.WriteNumber(metrics[m].Name, Value(metrics[m], r));
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            if (records > 1)
            {
                writer.WriteEndArray();
            }
        }

        return new PayloadSample(NativeTopic(device), buffer.WrittenSpan.ToArray(), profile ?? SubscriptionProfile.Native, readings);
    }

    /// <summary>A SenML pack (RFC 8428) of every metric of the node: base name and time on the first record, units as SenML symbols.</summary>
    public static PayloadSample Senml(Device device)
    {
        var metrics = Fleet.MetricsOf(device.Kind);
        var seconds = (At.ToUnixTimeMilliseconds() / 1000.0).ToString(CultureInfo.InvariantCulture);
        var records = metrics.Select((m, i) =>
        {
            var head = i == 0 ? $"\"bn\":\"{device.Name}:\",\"bt\":{seconds}," : string.Empty;
            return $"{{{head}\"n\":\"{m.Name}\",\"u\":\"{SenmlUnit(m.Name)}\",\"v\":{Number(Value(m, 0))}}}";
        });
        var profile = new SubscriptionProfile { Format = SenmlDecoder.FormatName, Topic = new SenmlDecoder().ConventionalTopic };
        return new PayloadSample($"senml/{device.Site}/{device.Kind.ToName()}/{device.Name}", Utf8("[" + string.Join(',', records) + "]"), profile, metrics.Count);
    }

    /// <summary>
    /// An airRohr kit (SDS011 and BME280) as its relay forwards it: values as strings, pressure in Pa,
    /// the firmware's diagnostics after them, no time (the service stamps the receive time).
    /// </summary>
    public static PayloadSample SensorCommunity(Device device)
    {
        const string chip = "10007";
        var payload = $$"""
            {"esp8266id":"{{chip}}","software_version":"NRZ-2024-135","sensordatavalues":[{"value_type":"SDS_P1","value":"61.40"},{"value_type":"SDS_P2","value":"35.20"},{"value_type":"BME280_temperature","value":"6.89"},{"value_type":"BME280_humidity","value":"78.43"},{"value_type":"BME280_pressure","value":"98920.23"},{"value_type":"samples","value":"612345"},{"value_type":"min_micro","value":"231"},{"value_type":"max_micro","value":"24567"},{"value_type":"interval","value":"145000"},{"value_type":"signal","value":"-63"}]}
            """;
        var profile = new SubscriptionProfile { Format = SensorCommunityDecoder.FormatName, Topic = new SensorCommunityDecoder().ConventionalTopic, Kind = SensorKind.Air };
        return new PayloadSample($"airrohr/{device.Site}/esp8266-{chip}", Utf8(payload), profile, 5);
    }

    /// <summary>Tasmota telemetry of a BME280 and an SDS011, in local time (Asia/Shanghai) as Tasmota sends it by default.</summary>
    public static PayloadSample Tasmota(Device device)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var local = TimeZoneInfo.ConvertTime(At, zone).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var payload = $$"""
            {"Time":"{{local}}","BME280":{"Temperature":6.9,"Humidity":78.4,"DewPoint":3.3,"Pressure":989.2},"SDS0X1":{"PM2.5":35.2,"PM10":61.4},"PressureUnit":"hPa","TempUnit":"C"}
            """;
        var profile = new SubscriptionProfile { Format = TasmotaDecoder.FormatName, Topic = new TasmotaDecoder().ConventionalTopic, Site = device.Site, Kind = SensorKind.Air, TimeZone = zone };
        return new PayloadSample("tele/tasmota_0A1B2C/SENSOR", Utf8(payload), profile, 5);
    }

    /// <summary>
    /// A Things Stack v3 uplink with the whole envelope TTS sends (ids, radio metadata, settings),
    /// every metric of the node in <c>decoded_payload</c>; site and kind come from the subscription.
    /// </summary>
    public static PayloadSample TheThingsStack(Device device)
    {
        var metrics = Fleet.MetricsOf(device.Kind);
        var frame = new byte[metrics.Count * 4];
        for (var i = 0; i < metrics.Count; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(i * 4), (int)Math.Round(Value(metrics[i], 0) * 100));
        }

        var decoded = string.Join(',', metrics.Select(m => $"\"{m.Name}\":{Number(Value(m, 0))}"));
        var application = $"eco-{device.Site}-{device.Kind.ToName()}";
        var payload = $$$"""
            {"end_device_ids":{"device_id":"{{{device.Name}}}","application_ids":{"application_id":"{{{application}}}"},"dev_eui":"70B3D57ED0053A1C","dev_addr":"260B1F2A"},"received_at":"{{{Timestamp(At.AddMilliseconds(25))}}}","uplink_message":{"f_port":2,"f_cnt":1842,"frm_payload":"{{{Convert.ToBase64String(frame)}}}","decoded_payload":{{{{decoded}}}},"rx_metadata":[{"gateway_ids":{"gateway_id":"eco-gw-{{{device.Site}}}"},"time":"{{{Timestamp(At.AddMilliseconds(-12))}}}","rssi":-97,"channel_rssi":-97,"snr":7.25,"channel_index":3}],"settings":{"data_rate":{"lora":{"bandwidth":125000,"spreading_factor":9,"coding_rate":"4/5"}},"frequency":"867100000"},"received_at":"{{{Timestamp(At)}}}","consumed_airtime":"0.246784s"}}
            """;
        var profile = new SubscriptionProfile { Format = TheThingsStackDecoder.FormatName, Topic = new TheThingsStackDecoder().ConventionalTopic, Site = device.Site, Kind = device.Kind };
        return new PayloadSample($"v3/{application}@ttn/devices/{device.Name}/up", Utf8(payload), profile, metrics.Count);
    }

    /// <summary>The service accepts every reading of <paramref name="sample"/> and refuses nothing, or the benchmark would measure a refusal.</summary>
    public static PayloadSample CheckAccepted(PayloadSample sample)
    {
        var result = Ingestor().Ingest(sample.Message, sample.Profile);
        if (result.Accepted.Count != sample.Readings || result.Rejections.Count > 0)
        {
            throw new InvalidOperationException(
                $"{sample.Topic}: {result.Accepted.Count} of {sample.Readings} readings accepted; refused: {string.Join("; ", result.Rejections.Select(r => $"{r.Code} {r.Reason}"))}");
        }

        return sample;
    }

    /// <summary>Near the metric's usual level, a little different in each record; PM2.5 stays below PM10 as the validator wants.</summary>
    private static double Value(MetricProfile metric, int record) => Math.Round(metric.Typical + (metric.Spread * 0.05 * (record % 7)), 1);

    private static string SenmlUnit(string metric) => metric switch
    {
        "temperature" => "Cel",
        "humidity" => "%RH",
        _ => "ug/m3",
    };

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
