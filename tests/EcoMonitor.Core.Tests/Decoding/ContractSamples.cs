using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Tests.Decoding;

/// <summary>
/// One valid message of a format, on a topic of its conventional pattern, under the subscription
/// that names the format with that pattern: what the decoder contract starts from.
/// </summary>
/// <param name="Payload">ASCII JSON with at least two readings and one nested object or array.</param>
/// <param name="Readings">How many readings the decoder makes of it.</param>
/// <param name="ToleratesTrailingCommas">The format accepts a comma before a closing bracket (docs/formats.md).</param>
internal sealed record ContractSample(
    string Payload,
    string Topic,
    SubscriptionProfile Profile,
    DateTimeOffset ReceivedAt,
    int Readings,
    bool ToleratesTrailingCommas = false);

/// <summary>The contract sample of every registered format, in one place; a format registered without one fails the contract.</summary>
internal static class ContractSamples
{
    public static ContractSample For(IPayloadDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        return decoder.Format switch
        {
            // A replay batch: limits count across records, and the first record has a key the decoder ignores.
            NativeJsonDecoder.FormatName => new(
                """[{"ts": "2025-11-28T08:00:00Z", "seq": 1841, "fw": "1.4.2", "readings": {"pm25": 35.2, "pm10": 61.0}}, {"ts": 1764316860000, "seq": 1842, "readings": {"pm25": 36.1}}]""",
                "eco/s1/air/n1",
                Conventional(decoder),
                Samples.ReceivedAt,
                Readings: 3),

            SenmlDecoder.FormatName => new(
                """[{"bn":"air-01:","bt":1764316800,"n":"pm25","u":"ug/m3","v":35.2},{"n":"pm10","u":"ug/m3","v":61.0},{"n":"temperature","u":"Cel","t":60,"v":21.5}]""",
                "senml/s1/air/air-01",
                Conventional(decoder),
                Samples.ReceivedAt,
                Readings: 3),

            TheThingsStackDecoder.FormatName => new(
                """
                {"end_device_ids": {"device_id": "node-1", "application_ids": {"application_id": "air-quality"}, "dev_eui": "70B3D57ED0053A1C"},
                 "received_at": "2025-11-28T08:00:00.2Z",
                 "uplink_message": {"f_port": 2, "f_cnt": 1842, "frm_payload": "AWAAzQEdAhUB",
                  "decoded_payload": {"pm2_5": 35.2, "pm10": 61.0, "temperature": 21.4, "battery_status": "good"},
                  "rx_metadata": [{"gateway_ids": {"gateway_id": "gw-roof"}, "rssi": -97, "snr": 7.25}],
                  "received_at": "2025-11-28T08:00:00.123456789Z"}}
                """,
                "v3/air-quality@ttn/devices/node-1/up",
                Conventional(decoder, site: "riverside", kind: SensorKind.Air),
                Samples.ReceivedAt,
                Readings: 3),

            TasmotaDecoder.FormatName => new(
                """{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Humidity":53.1,"DewPoint":10.6,"Pressure":977.0},"SDS0X1":{"PM2.5":3.1,"PM10":5.8},"PressureUnit":"hPa","TempUnit":"C"}""",
                "tele/tasmota_0A1B2C/SENSOR",
                Conventional(decoder, site: "campus", kind: SensorKind.Air, zone: "Asia/Shanghai"),
                new DateTimeOffset(2023, 5, 20, 17, 7, 8, TimeSpan.Zero),
                Readings: 5),

            SensorCommunityDecoder.FormatName => new(
                """{"esp8266id": "2392534", "software_version": "NAMF-2020-35", "sensordatavalues": [{"value_type": "SDS_P1", "value": "15.23"}, {"value_type": "SDS_P2", "value": "10.17"}, {"value_type": "BME280_temperature", "value": "6.89"}, {"value_type": "BME280_humidity", "value": "78.43"}, {"value_type": "BME280_pressure", "value": "98920.23"}, {"value_type": "signal", "value": "-51"}]}""",
                "airrohr/s1/esp8266-2392534",
                Conventional(decoder, kind: SensorKind.Air),
                Samples.ReceivedAt,
                Readings: 5,
                ToleratesTrailingCommas: true),

            _ => throw new ArgumentException($"format '{decoder.Format}' is registered but has no contract sample: add one to {nameof(ContractSamples)}", nameof(decoder)),
        };
    }

    /// <summary>The subscription an operator writes for the format: its name, its conventional topic, and what that topic does not say.</summary>
    private static SubscriptionProfile Conventional(IPayloadDecoder decoder, string? site = null, SensorKind? kind = null, string zone = "UTC") => new()
    {
        Format = decoder.Format,
        Topic = decoder.ConventionalTopic,
        Site = site,
        Kind = kind,
        TimeZone = TimeZoneInfo.FindSystemTimeZoneById(zone),
    };
}
