using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>
/// Random and mutated The Things Stack messages for the decoder contract's fuzz properties, mutated as trees
/// (<see cref="JsonTreeMutator"/>). One topic, one receive time.
/// </summary>
internal sealed class TheThingsStackFuzz() : TreeFormatFuzz(Topic, Profiles, Seeds, Keys, Reached)
{
    private const string Topic = "v3/air-quality@ttn/devices/dev1/up";

    private static readonly string[] Seeds =
    [
        """
        {"end_device_ids": {"device_id": "dev1", "application_ids": {"application_id": "air-quality"}, "dev_eui": "70B3D57ED0053A1C", "join_eui": "0000000000000000", "dev_addr": "260B4F21"},
         "correlation_ids": ["as:up:01JDQ3Z7K8M2XW4T9V6B5N3C1A"], "received_at": "2025-11-28T08:00:00.187654321Z",
         "uplink_message": {"session_key_id": "AZNLZ3Q0cxjY8X1bPz2KxQ==", "f_port": 2, "f_cnt": 1842, "frm_payload": "AWAAzQEdAhUB",
          "decoded_payload": {"pm2_5": 35.2, "pm10": 61.0, "temperature": 21.4, "humidity": 53.1, "battery_status": "good", "bytes": [1, 96, 0, 205]},
          "rx_metadata": [{"gateway_ids": {"gateway_id": "gw-roof", "eui": "B827EBFFFE8A1C2D"}, "time": "2025-11-28T08:00:00.091234Z", "timestamp": 2463457012, "rssi": -97, "channel_rssi": -97, "snr": 7.25, "channel_index": 2}],
          "settings": {"data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7, "coding_rate": "4/5"}}, "frequency": "868300000", "timestamp": 2463457012},
          "received_at": "2025-11-28T08:00:00.123456789Z", "consumed_airtime": "0.071936s"}}
        """,
        """{"end_device_ids": {"device_id": "dev1"}, "uplink_message": {"f_cnt": 7, "decoded_payload": {"PM2.5": 12, "co2": 612, "LAeq": 48.5}, "received_at": "2025-11-28T08:00:00Z"}}""",
        """{"end_device_ids": {"device_id": "dev1"}, "received_at": "2025-11-28T08:00:00Z", "simulated": true, "uplink_message": {"decoded_payload": {"bme280": {"temperature": 21.4, "humidity": 53.1}, "sds011": {"pm2_5": 35.2}}}}""",
        """{"end_device_ids": {"device_id": "dev1"}, "received_at": "2025-11-28T08:00:00Z", "join_accept": {"session_key_id": "AXBSH1Pk6Z0G166", "received_at": "2025-11-28T08:00:00Z"}}""",
        """{"end_device_ids": {"device_id": "dev1"}, "uplink_message": {"f_port": 2, "f_cnt": 9, "frm_payload": "AWAAzQ==", "received_at": "2025-11-28T08:00:00Z"}}""",
        """{"end_device_ids": {"device_id": "dev1"}, "uplink_message": {"decoded_payload": {"temperature": "21.4", "pm10": 1e999, "pm25": 3, "pm2_5": 4, "status": "ok"}, "received_at": "2025-11-28T08:00:00Z"}}""",
    ];

    private static readonly string[] Keys =
    [
        "end_device_ids", "device_id", "application_ids", "uplink_message", "decoded_payload", "received_at", "f_cnt", "f_port",
        "rx_metadata", "join_accept", "simulated", "pm2_5", "pm10", "temperature", "humidity", "battery", "TempC_SHT",
    ];

    private static readonly TopicPattern Uplinks = new TheThingsStackDecoder().ConventionalTopic;

    private static readonly SubscriptionProfile[] Profiles =
    [
        new() { Format = TheThingsStackDecoder.FormatName, Topic = Uplinks, Kind = SensorKind.Air, Site = "riverside" },
        new() { Format = PayloadFormats.Auto, Topic = Uplinks, Kind = SensorKind.Air, Site = "riverside" },
        new() { Format = TheThingsStackDecoder.FormatName, Topic = TopicPattern.Parse("v3/#"), Kind = SensorKind.Water, Site = "lake-3" },
        new()
        {
            Format = TheThingsStackDecoder.FormatName,
            Topic = Uplinks,
            Kind = SensorKind.Air,
            Site = "riverside",
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["TempC_SHT"] = "temperature", ["bme280.humidity"] = "humidity", ["battery"] = "pm10" },
        },
    ];

    private static readonly HashSet<string> Reached = new(StringComparer.Ordinal)
    {
        "malformed-json", "invalid-shape", "identity-mismatch", "unknown-format", "unknown-metric", "value-not-number", "value-not-finite",
        "out-of-range", "missing-timestamp", "invalid-timestamp", "duplicate-metric",
    };
}
