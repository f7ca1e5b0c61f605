using System.Globalization;
using System.Text;
using System.Text.Json;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Ingestion;

/// <summary>
/// One subscription per real-world format on a real mosquitto, good and bad traffic mixed: the
/// stored points and the dead letters are exactly those expected.
/// </summary>
public sealed class FormatsIngestTests(Servers servers)
{
    [Fact]
    public async Task Every_format_is_decoded_converted_and_stored_and_its_bad_messages_dead_lettered()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = Guid.NewGuid().ToString("N")[..10];
        var site = $"fmt-{id}";
        var t = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds());
        var ms = t.ToUnixTimeMilliseconds();
        var unix = t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var rfc = t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var shanghai = TimeZoneInfo.ConvertTime(t, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

        await using var service = await ServiceUnderTest.StartAsync(
            servers,
            site,
            ct,
            $"--Mqtt:Subscriptions:1:Topic=senml-{id}/{{kind}}",
            "--Mqtt:Subscriptions:1:Format=senml",
            $"--Mqtt:Subscriptions:1:Site={site}",
            $"--Mqtt:Subscriptions:2:Topic=v3/app-{id}@ttn/devices/{{device}}/up",
            "--Mqtt:Subscriptions:2:Format=tts",
            $"--Mqtt:Subscriptions:2:Site={site}",
            "--Mqtt:Subscriptions:2:Kind=water",
            "--Mqtt:Subscriptions:2:FieldMap:water_temp=temperature",
            $"--Mqtt:Subscriptions:3:Topic=airrohr-{id}",
            "--Mqtt:Subscriptions:3:Format=sensor-community",
            $"--Mqtt:Subscriptions:3:Site={site}",
            "--Mqtt:Subscriptions:3:Kind=air",
            $"--Mqtt:Subscriptions:4:Topic=tele-{id}/{{device}}/SENSOR",
            "--Mqtt:Subscriptions:4:Format=auto",
            $"--Mqtt:Subscriptions:4:Site={site}",
            "--Mqtt:Subscriptions:4:Kind=air",
            "--Mqtt:Subscriptions:4:TimeZone=Asia/Shanghai");

        var messages = new List<(string Topic, string Payload, string[] Codes)>
        {
            // native
            ($"eco/{site}/air/n1", $$$"""{"ts": {{{ms}}}, "readings": {"pm25": 12.5}}""", []),
            ($"eco/{site}/air/n1", $$$"""{"ts": {{{ms + 1000}}}, "readings": {"pm25": "12"}}""", [RejectionCodes.ValueNotNumber]),

            // SenML: units converted (Pa → hPa); an unknown unit refused; a critical unknown label refuses the pack
            ($"senml-{id}/air", $$$"""[{"bn":"urn:dev:mac:a1b2c3:","bt":{{{unix}}},"bu":"Cel","n":"temperature","v":21.5},{"n":"humidity","u":"%RH","v":48},{"n":"pressure","u":"Pa","v":101325},{"n":"pm25","u":"ug/m3","v":9.5}]""", []),
            ($"senml-{id}/air", $$$"""[{"bn":"urn:dev:mac:a1b2c3:","bt":{{{unix}}},"n":"pm10","u":"furlong","v":3}]""", [RejectionCodes.UnknownUnit]),
            ($"senml-{id}/air", $$$"""[{"bn":"urn:dev:mac:a1b2c3:","bt":{{{unix}}},"n":"pm10","v":3,"foo_":1}]""", [RejectionCodes.InvalidShape]),

            // The Things Stack: device from end_device_ids, field map, non-numeric battery ignored; a payload posing as another device refused
            ($"v3/app-{id}@ttn/devices/river-1/up", $$$"""{"end_device_ids":{"device_id":"river-1"},"received_at":"{{{rfc}}}","uplink_message":{"f_cnt":42,"decoded_payload":{"ph":7.2,"water_temp":12.5,"battery":"ok"},"received_at":"{{{rfc}}}"}}""", []),
            ($"v3/app-{id}@ttn/devices/river-1/up", $$$"""{"end_device_ids":{"device_id":"river-2"},"uplink_message":{"decoded_payload":{"ph":7.3},"received_at":"{{{rfc}}}"}}""", [RejectionCodes.IdentityMismatch]),

            // Sensor.Community: string values, Pa, trailing comma; a non-numeric value refused
            ($"airrohr-{id}", """{"esp8266id": "12345678", "software_version": "NRZ-2024-135", "sensordatavalues":[{"value_type":"SDS_P1","value":"26.83"},{"value_type":"SDS_P2","value":"22.60"},{"value_type":"BME280_temperature","value":"21.53"},{"value_type":"BME280_pressure","value":"97224.53"},{"value_type":"signal","value":"-50"},]}""", []),
            ($"airrohr-{id}", """{"esp8266id": "12345678", "sensordatavalues":[{"value_type":"SDS_P1","value":"n/a"}]}""", [RejectionCodes.ValueNotNumber]),

            // Tasmota through auto-detection: local time in the subscription's zone; no Time refused
            ($"tele-{id}/tas-1/SENSOR", $$$"""{"Time":"{{{shanghai}}}","BME280":{"Temperature":20.5,"Humidity":53.1,"DewPoint":10.6,"Pressure":977.0},"SDS0X1":{"PM2.5":5.8,"PM10":11.8},"PressureUnit":"hPa","TempUnit":"C"}""", []),
            ($"tele-{id}/tas-1/SENSOR", """{"BME280":{"Temperature":20.5}}""", [RejectionCodes.MissingTimestamp]),
        };

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await TestPublisher.PublishAsync(servers.Mosquitto, messages.Select(m => (m.Topic, Encoding.UTF8.GetBytes(m.Payload))), ct);
        await Eventually.WaitAsync(() => service.Metrics.MessagesAcknowledged.Value >= messages.Count, TimeSpan.FromSeconds(30), "every message acknowledged", ct);
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var expected = new HashSet<(string, string, long, double)>
        {
            ("air_pm25", "n1", ms, 12.5),
            ("air_temperature", "a1b2c3", ms, 21.5),
            ("air_humidity", "a1b2c3", ms, 48),
            ("air_pressure", "a1b2c3", ms, 1013.25),
            ("air_pm25", "a1b2c3", ms, 9.5),
            ("water_ph", "river-1", ms, 7.2),
            ("water_temperature", "river-1", ms, 12.5),
            ("air_temperature", "tas-1", ms, 20.5),
            ("air_humidity", "tas-1", ms, 53.1),
            ("air_pressure", "tas-1", ms, 977),
            ("air_pm25", "tas-1", ms, 5.8),
            ("air_pm10", "tas-1", ms, 11.8),
        };

        // airRohr sends no time: its readings carry the receive time.
        var community = new Dictionary<string, double>
        {
            ["air_pm10"] = 26.83, ["air_pm25"] = 22.6, ["air_temperature"] = 21.53, ["air_pressure"] = 972.2453,
        };

        var series = await servers.VictoriaMetrics.ExportAtLeastAsync($"{{site=\"{site}\"}}", expected.Count + community.Count, ct);
        var stored = series.SelectMany(s => s.Samples.Select(p => (s.Name, Device: s.Metric["device"], p.Timestamp, Value: Math.Round(p.Value, 6)))).ToList();
        var fromCommunity = stored.Where(p => p.Device == "esp8266-12345678").ToList();
        Assert.Equal(expected, stored.Except(fromCommunity).ToHashSet());
        Assert.Equal(community, fromCommunity.ToDictionary(p => p.Name, p => p.Value));
        Assert.All(fromCommunity, p => Assert.InRange(p.Timestamp, before, after));
        Assert.Equal(expected.Count + community.Count, stored.Count);

        var records = Directory.GetFiles(service.DeadLetterDirectory, "deadletter-*.jsonl")
            .Order(StringComparer.Ordinal)
            .SelectMany(File.ReadLines)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
        var refused = messages.Where(m => m.Codes.Length > 0).ToList();
        Assert.Equal(refused.Count, records.Count);
        for (var i = 0; i < refused.Count; i++)
        {
            Assert.Equal(refused[i].Topic, records[i].GetProperty("topic").GetString());
            Assert.Equal(refused[i].Codes, records[i].GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).ToArray());
            Assert.Equal(refused[i].Payload, records[i].GetProperty("payload").GetString());
        }

        Assert.Equal(
            ["native", "senml", "senml", "tts", "sensor-community", "tasmota"],
            records.Select(r => r.GetProperty("format").GetString()).ToArray());
    }
}
