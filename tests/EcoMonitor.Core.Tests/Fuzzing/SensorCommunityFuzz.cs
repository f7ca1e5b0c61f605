using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>
/// Random and mutated airRohr payloads for the decoder contract's fuzz properties, mutated as trees
/// (<see cref="JsonTreeMutator"/>). One topic, one receive time.
/// </summary>
internal sealed class SensorCommunityFuzz() : TreeFormatFuzz(Topic, Profiles, Seeds, Keys, Reached)
{
    private const string Topic = "airrohr/garden";

    private static readonly string[] Seeds =
    [
        """{"software_version": "NRZ-2017-099", "age":"97", "sensordatavalues":[{"value_type":"SDS_P1","value":"26.83"},{"value_type":"SDS_P2","value":"22.60"},{"value_type":"temperature","value":"19.00"},{"value_type":"humidity","value":"73.10"},{"value_type":"BME280_temperature","value":"21.53"},{"value_type":"BME280_humidity","value":"53.64"},{"value_type":"BME280_pressure","value":"97224.53"},{"value_type":"samples","value":"588824"},{"value_type":"min_micro","value":"243"},{"value_type":"max_micro","value":"27694"},{"value_type":"signal","value":"-50"}]}""",
        """{"esp8266id":"2392534","software_version":"NAMF-2020-35","sensordatavalues":[{"value_type":"SDS_P1","value":"15.23"},{"value_type":"SDS_P2","value":"10.17"},{"value_type":"BME280_temperature","value":"6.89"},{"value_type":"BME280_humidity","value":"78.43"},{"value_type":"BME280_pressure","value":"98920.23"},{"value_type":"HECA_temperature","value":"20.20"},{"value_type":"HECA_humidity","value":"33.14"},{"value_type":"samples","value":"122648"},{"value_type":"min_micro","value":"1104"},{"value_type":"max_micro","value":"116416"},{"value_type":"signal","value":"-51"}]}""",
        """{"esp8266id":"2392534","software_version":"NAMF-2020-35","sensordatavalues":[{"value_type":"SDS_P1","value":"15.23"},{"value_type":"SDS_P2","value":"10.17"},{"value_type":"signal","value":"-71"},]}""",
        """{"esp8266id": "a4cf12fd31e8", "software_version": "NRZ-2024-135", "sensordatavalues":[{"value_type":"SPS30_P0","value":"4.10"},{"value_type":"SPS30_P2","value":"6.20"},{"value_type":"SPS30_P4","value":"7.00"},{"value_type":"SPS30_P1","value":"7.40"},{"value_type":"SPS30_N05","value":"27.41"},{"value_type":"SPS30_TS","value":"0.52"},{"value_type":"SCD30_co2_ppm","value":"612"},{"value_type":"SCD30_temperature","value":"23.10"},{"value_type":"DNMS_noise_LAeq","value":"48.20"},{"value_type":"GPS_lat","value":"48.778000"},{"value_type":"interval","value":"145000"}]}""",
        """{"sensordatavalues":[{"value_type":"P1","value":"26.83"},{"value_type":"P2","value":"22.60"},{"value_type":"pressure","value":"97224.53"},{"value_type":"temperature","value":"21.53"}]}""",
        """{"esp8266id": "13597771", "sensordatavalues":[{"value_type":"durP1","value":"12345"},{"value_type":"ratioP1","value":"0.41"},{"value_type":"P1","value":"2140.18"},{"value_type":"P2","value":"412.77"},{"value_type":"SHT3X_temperature","value":"nan"}]}""",
    ];

    private static readonly string[] Keys =
    [
        "esp8266id", "software_version", "sensordatavalues", "value_type", "value", "age",
        "SDS_P1", "SDS_P2", "BME280_pressure", "temperature", "HECA_humidity", "samples", "GPS_lat", "P1", "durP1",
    ];

    private static readonly SubscriptionProfile[] Profiles =
    [
        new() { Format = SensorCommunityDecoder.FormatName, Topic = TopicPattern.Parse("airrohr/{site}"), Kind = SensorKind.Air, Device = "esp8266-13597771" },
        new() { Format = PayloadFormats.Auto, Topic = TopicPattern.Parse("airrohr/{site}"), Kind = SensorKind.Air, Device = "esp8266-13597771" },
        new() { Format = SensorCommunityDecoder.FormatName, Topic = TopicPattern.Parse("airrohr/#"), Kind = SensorKind.Air, Site = "garden" },
        new()
        {
            Format = SensorCommunityDecoder.FormatName,
            Topic = TopicPattern.Parse("airrohr/{site}"),
            Kind = SensorKind.Air,
            Device = "esp8266-13597771",
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["signal"] = "noise", ["HECA_temperature"] = "temperature", ["samples"] = "pm25" },
        },
    ];

    private static readonly HashSet<string> Reached = new(StringComparer.Ordinal)
    {
        "malformed-json", "invalid-shape", "bad-topic", "unknown-format", "unknown-metric", "value-not-number", "value-not-finite",
        "out-of-range", "duplicate-metric",
    };
}
