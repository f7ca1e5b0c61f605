using System.Text.Json;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;
using Xunit;
using static EcoMonitor.Core.Tests.Decoding.DecodeAssert;

namespace EcoMonitor.Core.Tests.Decoding;

public sealed class TheThingsStackDecoderTests
{
    private const string Topic = "v3/air-quality@ttn/devices/eui-70b3d57ed0053a1c/up";
    private const string Device = "eui-70b3d57ed0053a1c";

    /// <summary>2025-11-28T08:00:00.123Z: the Network Server's received_at of <see cref="Uplink"/>, truncated to ms.</summary>
    private static readonly DateTimeOffset NsTime = Samples.DeviceTime.AddMilliseconds(123);

    private static readonly SensorAddress Address = new(SensorKind.Air, "riverside", Device);

    /// <summary>
    /// An uplink as the MQTT integration publishes it (lorawan-stack-docs data-formats: ids, correlation ids,
    /// both received_at, f_port/f_cnt, frm_payload, the formatter's decoded_payload, rx_metadata per gateway,
    /// settings with the frequency as a string, consumed_airtime, network ids). Times carry nanoseconds.
    /// </summary>
    private const string Uplink = """
        {
          "end_device_ids": {
            "device_id": "eui-70b3d57ed0053a1c",
            "application_ids": {"application_id": "air-quality"},
            "dev_eui": "70B3D57ED0053A1C",
            "join_eui": "0000000000000000",
            "dev_addr": "260B4F21"
          },
          "correlation_ids": ["as:up:01JDQ3Z7K8M2XW4T9V6B5N3C1A", "gs:conn:01JDQ2A8F0E6H4R2P9S7D5G3K1", "rpc:/ttn.lorawan.v3.GsNs/HandleUplink:01JDQ3Z7JZ"],
          "received_at": "2025-11-28T08:00:00.187654321Z",
          "uplink_message": {
            "session_key_id": "AZNLZ3Q0cxjY8X1bPz2KxQ==",
            "f_port": 2,
            "f_cnt": 1842,
            "frm_payload": "AWAAzQEdAhUB",
            "decoded_payload": {
              "pm2_5": 35.2,
              "pm10": 61.0,
              "temperature": 21.4,
              "humidity": 53.1,
              "battery_status": "good",
              "bytes": [1, 96, 0, 205]
            },
            "rx_metadata": [{
              "gateway_ids": {"gateway_id": "gw-riverside-roof", "eui": "B827EBFFFE8A1C2D"},
              "time": "2025-11-28T08:00:00.091234Z",
              "timestamp": 2463457012,
              "rssi": -97,
              "channel_rssi": -97,
              "snr": 7.25,
              "uplink_token": "ChkKFwoLZ3ctcml2ZXJzaWRl",
              "channel_index": 2,
              "received_at": "2025-11-28T08:00:00.102345678Z"
            }],
            "settings": {
              "data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7, "coding_rate": "4/5"}},
              "frequency": "868300000",
              "timestamp": 2463457012,
              "time": "2025-11-28T08:00:00.091234Z"
            },
            "received_at": "2025-11-28T08:00:00.123456789Z",
            "consumed_airtime": "0.071936s",
            "network_ids": {"net_id": "000013", "ns_id": "EC656E0000000181", "tenant_id": "ttn", "cluster_id": "eu1", "cluster_address": "eu1.cloud.thethings.network"}
          }
        }
        """;

    private static readonly SubscriptionProfile Profile = new()
    {
        Format = TheThingsStackDecoder.FormatName,
        Topic = new TheThingsStackDecoder().ConventionalTopic,
        Kind = SensorKind.Air,
        Site = "riverside",
    };

    private readonly TheThingsStackDecoder _decoder = new();

    private DecodeResult Decode(string json, string topic = Topic, SubscriptionProfile? profile = null, DecoderLimits? limits = null) =>
        _decoder.Decode(new DecodeContext(Samples.Message(json, topic), profile ?? Profile, limits ?? new DecoderLimits()));

    private DecodeResult Decode(byte[] payload, string topic = Topic) =>
        _decoder.Decode(new DecodeContext(new IncomingMessage(topic, payload, Samples.ReceivedAt), Profile, new DecoderLimits()));

    /// <summary>A minimal uplink with <paramref name="decodedPayload"/> as its decoded_payload.</summary>
    private static string With(string decodedPayload) => $$$"""
        {"end_device_ids": {"device_id": "{{{Device}}}", "application_ids": {"application_id": "air-quality"}},
         "received_at": "2025-11-28T08:00:00.2Z",
         "uplink_message": {"f_port": 2, "f_cnt": 7, "decoded_payload": {{{decodedPayload}}}, "received_at": "2025-11-28T08:00:00.123456789Z"}}
        """;

    private static MessageIngestor Ingestor(ValidationOptions? options = null) => Samples.Ingestor(new TheThingsStackDecoder(), options);

    [Fact]
    public void Format_is_tts_and_the_default_topic_takes_the_device_from_its_level()
    {
        Assert.Equal("tts", _decoder.Format);
        Assert.Equal("v3/+/devices/{device}/up", _decoder.ConventionalTopic.Pattern);
        Assert.Equal("v3/+/devices/+/up", _decoder.ConventionalTopic.Filter);
        Assert.Equal(["ttn"], _decoder.Aliases);
    }

    [Theory]
    [InlineData(Uplink, true)]
    [InlineData("""{"end_device_ids": {}, "uplink_message": {}}""", true)]
    [InlineData("""{"end_device_ids": {"device_id": "dev1"}, "join_accept": {"session_key_id": "AXBSH1Pk6Z0G166"}}""", false)]
    [InlineData("""{"uplink_message": {"decoded_payload": {"pm25": 1}}}""", false)]
    [InlineData("""{"ts": 1764316800000, "readings": {"pm25": 1}}""", false)]
    [InlineData("""{"esp8266id": "2392534", "sensordatavalues": []}""", false)]
    [InlineData("""[{"end_device_ids": {}, "uplink_message": {}}]""", false)]
    [InlineData("42", false)]
    public void Recognizes_an_object_with_end_device_ids_and_uplink_message(string json, bool expected)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(expected, _decoder.Recognizes(document.RootElement, Topic));
    }

    [Fact]
    public void Real_uplink_yields_the_formatter_numbers_at_the_network_server_time_with_f_cnt_as_seq()
    {
        var result = Decode(Uplink);

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [
                new DecodedReading(Address, "pm25", 35.2, NsTime, 1842, 0),
                new DecodedReading(Address, "pm10", 61.0, NsTime, 1842, 0),
                new DecodedReading(Address, "temperature", 21.4, NsTime, 1842, 0),
                new DecodedReading(Address, "humidity", 53.1, NsTime, 1842, 0),
            ],
            result.Readings);
    }

    [Fact]
    public void Real_uplink_is_accepted_whole_by_the_ingestor_and_radio_metadata_is_not_stored()
    {
        var result = Ingestor().Ingest(Samples.Message(Uplink, Topic), Profile);

        Assert.Equal("tts", result.Format);
        Assert.Empty(result.Rejections);
        Assert.Equal(0, result.ReceiveTimeStamped);
        Assert.Equal(["humidity", "pm10", "pm25", "temperature"], result.Accepted.Select(r => r.Metric).Order(StringComparer.Ordinal));
        Assert.All(result.Accepted, r =>
        {
            Assert.Equal((SensorKind.Air, "riverside", Device), (r.Kind, r.Site, r.Device));
            Assert.Equal(NsTime.ToUnixTimeMilliseconds(), r.TimestampMs);
            Assert.Equal(1842, r.Seq);
        });
    }

    [Fact]
    public void Auto_detects_the_uplink_shape()
    {
        var auto = new SubscriptionProfile { Format = PayloadFormats.Auto, Topic = Profile.Topic, Kind = SensorKind.Air, Site = "riverside" };

        var result = Ingestor().Ingest(Samples.Message(Uplink, Topic), auto);

        Assert.Equal("tts", result.Format);
        Assert.Empty(result.Rejections);
        Assert.Equal(4, result.Accepted.Count);
    }

    [Theory]
    [InlineData("pm2_5", "pm25")]
    [InlineData("pm2.5", "pm25")]
    [InlineData("PM2.5", "pm25")]
    [InlineData("pm_2_5", "pm25")]
    [InlineData("pm2p5", "pm25")]
    [InlineData("PM25", "pm25")]
    [InlineData("pm10_0", "pm10")]
    [InlineData("PM10", "pm10")]
    [InlineData("pm1_0", "pm1")]
    [InlineData("pm1.0", "pm1")]
    [InlineData("temp", "temperature")]
    [InlineData("Temperature", "temperature")]
    [InlineData("air_temperature", "temperature")]
    [InlineData("hum", "humidity")]
    [InlineData("rh", "humidity")]
    [InlineData("relativeHumidity", "humidity")]
    [InlineData("relative_humidity", "humidity")]
    [InlineData("barometric_pressure", "pressure")]
    [InlineData("CO2", "co2")]
    [InlineData("co2_ppm", "co2")]
    [InlineData("LAeq", "noise")]
    [InlineData("dissolved_oxygen", "do")]
    [InlineData("soil_moisture", "moisture")]
    [InlineData("nitrogen", "n")]
    [InlineData("potassium", "k")]
    [InlineData("so2", "so2")]
    [InlineData("conductivity", "conductivity")]
    public void Common_formatter_names_map_to_catalog_metrics_case_insensitively(string name, string metric)
    {
        var result = Decode(With($$$"""{"{{{name}}}": 12.5}"""));

        Assert.Empty(result.Rejections);
        var reading = Assert.Single(result.Readings);
        Assert.Equal((metric, 12.5), (reading.Metric, reading.Value));
        Assert.Null(reading.Unit);
    }

    [Fact]
    public void The_built_in_cayenne_lpp_formatter_names_map_by_sensor_type()
    {
        // The CayenneLPP page of the TTS docs: "barometric_pressure_0": 1017.5, "temperature_0": 22.200000762939453.
        var result = Decode(With("""{"barometric_pressure_0": 1017.5, "temperature_0": 22.200000762939453, "relative_humidity_2": 53.5, "luminosity_4": 310}"""));

        Assert.Empty(result.Rejections);
        Assert.Equal(
            new Dictionary<string, double> { ["pressure"] = 1017.5, ["temperature"] = 22.200000762939453, ["humidity"] = 53.5, ["luminosity_4"] = 310 },
            Values(result));
    }

    [Fact]
    public void Two_cayenne_lpp_channels_of_one_type_keep_neither_until_FieldMap_picks_one()
    {
        const string payload = """{"temperature_3": 27.200000762939453, "temperature_5": 25.5}""";

        Assert.Equal("temperature", SingleRejection(Decode(With(payload)), RejectionCodes.DuplicateMetric).Metric);

        var profile = new SubscriptionProfile
        {
            Format = "tts",
            Topic = Profile.Topic,
            Kind = SensorKind.Air,
            Site = "riverside",
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["temperature_5"] = "temperature" },
        };
        var picked = Decode(With(payload), profile: profile);
        Assert.Empty(picked.Rejections);
        Assert.Equal(25.5, Assert.Single(picked.Readings).Value);
    }

    [Fact]
    public void Kind_comes_from_the_subscription_so_water_and_soil_formatters_work_too()
    {
        var water = new SubscriptionProfile { Format = "tts", Topic = Profile.Topic, Kind = SensorKind.Water, Site = "lake-3" };

        var result = Ingestor().Ingest(Samples.Message(With("""{"ph": 7.2, "dissolved_oxygen": 8.4, "temperature": 11.5}"""), Topic), water);

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [("do", 8.4), ("ph", 7.2), ("temperature", 11.5)],
            result.Accepted.Select(r => (r.Metric, r.Value)).OrderBy(r => r.Metric, StringComparer.Ordinal));
        Assert.All(result.Accepted, r => Assert.Equal((SensorKind.Water, "lake-3"), (r.Kind, r.Site)));
    }

    [Fact]
    public void FieldMap_maps_formatter_specific_names_and_wins_over_the_built_in_names()
    {
        // A Dragino LHT65-style formatter: the operator says which of its temperatures is the air's.
        var profile = new SubscriptionProfile
        {
            Format = "tts",
            Topic = Profile.Topic,
            Kind = SensorKind.Air,
            Site = "riverside",
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["TempC_SHT"] = "temperature", ["Hum_SHT"] = "humidity" },
        };

        var result = Decode(With("""{"TempC_SHT": 21.4, "Hum_SHT": 53.1, "temperature": 30.2}"""), profile: profile);

        Assert.Empty(result.Rejections);
        Assert.Equal(new Dictionary<string, double> { ["temperature"] = 21.4, ["humidity"] = 53.1 }, Values(result));
    }

    [Fact]
    public void FieldMap_applies_after_the_built_in_names_too()
    {
        var profile = new SubscriptionProfile
        {
            Format = "tts",
            Topic = Profile.Topic,
            Kind = SensorKind.Air,
            Site = "riverside",
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["noise"] = "noise_laeq_1min" },
        };

        var result = Decode(With("""{"LAeq": 48.5}"""), profile: profile);

        Assert.Equal("noise_laeq_1min", Assert.Single(result.Readings).Metric);
    }

    [Fact]
    public void Nested_objects_are_flattened_with_a_dot_and_need_a_FieldMap_entry_to_be_metrics()
    {
        const string nested = """{"bme280": {"temperature": 21.4, "humidity": 53.1}, "sds011": {"pm": {"pm2_5": 35.2}}}""";

        var unmapped = Decode(With(nested));
        Assert.Empty(unmapped.Rejections);
        Assert.Equal(["bme280.temperature", "bme280.humidity", "sds011.pm.pm2_5"], unmapped.Readings.Select(r => r.Metric));

        var profile = new SubscriptionProfile
        {
            Format = "tts",
            Topic = Profile.Topic,
            Kind = SensorKind.Air,
            Site = "riverside",
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["bme280.temperature"] = "temperature",
                ["bme280.humidity"] = "humidity",
                ["sds011.pm.pm2_5"] = "pm25",
            },
        };
        var mapped = Decode(With(nested), profile: profile);
        Assert.Empty(mapped.Rejections);
        Assert.Equal(new Dictionary<string, double> { ["temperature"] = 21.4, ["humidity"] = 53.1, ["pm25"] = 35.2 }, Values(mapped));
    }

    [Fact]
    public void A_number_under_an_unknown_name_is_passed_on_and_refused_by_validation_as_unknown_metric()
    {
        var result = Ingestor().Ingest(Samples.Message(With("""{"pm2_5": 35.2, "battery_voltage": 3.61}"""), Topic), Profile);

        Assert.Equal("pm25", Assert.Single(result.Accepted).Metric);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal((RejectionCodes.UnknownMetric, "battery_voltage", 3.61), (rejection.Code, rejection.Metric, rejection.Value));
    }

    [Theory]
    [InlineData("\"21.4\"")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("[21.4]")]
    public void A_non_number_under_a_metric_name_is_refused_as_value_not_number(string value)
    {
        var result = Decode(With($$$"""{"temperature": {{{value}}}, "pm10": 61}"""));

        var rejection = SingleRejection(result, RejectionCodes.ValueNotNumber);
        Assert.Equal(("temperature", (int?)0), (rejection.Metric, rejection.Record));
        Assert.Equal("pm10", Assert.Single(result.Readings).Metric);
    }

    [Fact]
    public void A_non_number_under_a_FieldMap_name_is_refused_too()
    {
        var profile = new SubscriptionProfile
        {
            Format = "tts",
            Topic = Profile.Topic,
            Kind = SensorKind.Air,
            Site = "riverside",
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["TempC_SHT"] = "temperature" },
        };

        var result = Decode(With("""{"TempC_SHT": "21.40", "pm10": 61}"""), profile: profile);

        Assert.Equal("temperature", SingleRejection(result, RejectionCodes.ValueNotNumber).Metric);
    }

    [Fact]
    public void Non_numbers_under_other_names_are_ignored()
    {
        var result = Decode(With("""
            {"pm2_5": 35.2, "battery_status": "good", "alarm": false, "firmware": "1.4.2", "raw": [1, 2, 3], "note": null, "sensor": {"model": "SDS011"}}
            """));

        Assert.Empty(result.Rejections);
        Assert.Equal("pm25", Assert.Single(result.Readings).Metric);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"status": "ok", "alarm": false}""")]
    [InlineData("""{"nested": {}}""")]
    public void Decoded_payload_without_any_number_is_invalid_shape_not_silently_acknowledged(string decodedPayload)
    {
        var result = Decode(With(decodedPayload));

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape);
        Assert.Contains("no number", rejection.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Two_names_for_one_metric_keep_neither_value()
    {
        var result = Decode(With("""{"pm2_5": 35.2, "PM2.5": 35.4, "pm10": 61}"""));

        var rejection = SingleRejection(result, RejectionCodes.DuplicateMetric);
        Assert.Equal("pm25", rejection.Metric);
        Assert.Contains("pm2_5", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal("pm10", Assert.Single(result.Readings).Metric);
    }

    [Fact]
    public void A_key_repeated_in_decoded_payload_keeps_neither_value()
    {
        var result = Decode(With("""{"pm10": 61, "pm10": 62}"""));

        Assert.Equal("pm10", SingleRejection(result, RejectionCodes.DuplicateMetric).Metric);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData("1e999")]
    [InlineData("-1e999")]
    public void A_number_that_overflows_a_double_is_value_not_finite(string literal)
    {
        var result = Decode(With($$$"""{"pm10": {{{literal}}}, "pm2_5": 10}"""));

        var rejection = SingleRejection(result, RejectionCodes.ValueNotFinite);
        Assert.Equal("pm10", rejection.Metric);
        Assert.Equal("pm25", Assert.Single(result.Readings).Metric);
    }

    [Fact]
    public void Device_id_must_agree_with_the_device_level_of_the_topic()
    {
        var result = Decode(Uplink, "v3/air-quality@ttn/devices/eui-70b3d57ed0099999/up");

        var rejection = SingleRejection(result, RejectionCodes.IdentityMismatch);
        Assert.Contains(Device, rejection.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Device_id_names_the_device_when_the_topic_has_no_device_level()
    {
        var profile = new SubscriptionProfile { Format = "tts", Topic = TopicPattern.Parse("v3/#"), Kind = SensorKind.Air, Site = "riverside" };

        var result = Decode(Uplink, profile: profile);

        Assert.Empty(result.Rejections);
        Assert.All(result.Readings, r => Assert.Equal(Address, r.Address));
    }

    [Fact]
    public void Site_can_come_from_a_site_level_of_the_topic()
    {
        var profile = new SubscriptionProfile { Format = "tts", Topic = TopicPattern.Parse("ttn/{site}/v3/+/devices/{device}/up"), Kind = SensorKind.Air };

        var result = Decode(Uplink, "ttn/north-gate/v3/air-quality@ttn/devices/eui-70b3d57ed0053a1c/up", profile);

        Assert.Empty(result.Rejections);
        Assert.All(result.Readings, r => Assert.Equal("north-gate", r.Address.Site));
    }

    [Theory]
    [InlineData("v3/air-quality@ttn/devices/eui-70b3d57ed0053a1c/join")]
    [InlineData("v3/air-quality@ttn/devices/eui-70b3d57ed0053a1c/up/extra")]
    [InlineData("eco/riverside/air/eui-70b3d57ed0053a1c")]
    public void Topic_outside_the_pattern_is_bad_topic(string topic)
    {
        var result = Decode(Uplink, topic);

        SingleRejection(result, RejectionCodes.BadTopic);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void A_device_id_that_is_no_valid_device_name_is_bad_topic()
    {
        var profile = new SubscriptionProfile { Format = "tts", Topic = TopicPattern.Parse("v3/#"), Kind = SensorKind.Air, Site = "riverside" };

        var result = Decode(Uplink.Replace("\"device_id\": \"eui-70b3d57ed0053a1c\"", "\"device_id\": \"-dev 1\"", StringComparison.Ordinal), profile: profile);

        SingleRejection(result, RejectionCodes.BadTopic);
    }

    [Theory]
    [InlineData("join_accept", """{"session_key_id": "AXBSH1Pk6Z0G166", "received_at": "2025-11-28T08:00:00Z"}""")]
    [InlineData("downlink_queued", """{"f_port": 15, "frm_payload": "vu8=", "priority": "NORMAL"}""")]
    [InlineData("downlink_ack", """{"f_port": 15, "f_cnt": 3, "frm_payload": "vu8="}""")]
    [InlineData("service_data", """{"data": {"battery": 90}, "service": "lora-cloud"}""")]
    [InlineData("location_solved", """{"location": {"latitude": 47.38, "longitude": 8.54, "source": "SOURCE_GPS"}}""")]
    public void Other_message_types_on_a_wide_subscription_are_invalid_shape_with_the_subscription_hint(string type, string body)
    {
        var profile = new SubscriptionProfile { Format = "tts", Topic = TopicPattern.Parse("v3/+/devices/{device}/#"), Kind = SensorKind.Air, Site = "riverside" };
        var json = $$$"""{"end_device_ids": {"device_id": "{{{Device}}}"}, "received_at": "2025-11-28T08:00:00Z", "{{{type}}}": {{{body}}}}""";

        var result = Decode(json, $"v3/air-quality@ttn/devices/{Device}/{type.Replace('_', '/')}", profile);

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape);
        Assert.Contains(type, rejection.Reason, StringComparison.Ordinal);
        Assert.Contains("v3/+/devices/+/up", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Uplink_without_decoded_payload_is_invalid_shape_pointing_at_the_payload_formatter()
    {
        var json = $$$"""{"end_device_ids": {"device_id": "{{{Device}}}"}, "uplink_message": {"f_port": 2, "f_cnt": 9, "frm_payload": "AWAAzQ==", "received_at": "2025-11-28T08:00:00Z"}}""";

        var rejection = SingleRejection(Decode(json), RejectionCodes.InvalidShape);

        Assert.Contains("decoded_payload", rejection.Reason, StringComparison.Ordinal);
        Assert.Contains("payload formatter", rejection.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[{\"pm25\": 1}]")]
    [InlineData("\"pm25=1\"")]
    [InlineData("35.2")]
    [InlineData("null")]
    public void Decoded_payload_that_is_not_an_object_is_invalid_shape(string decodedPayload)
    {
        SingleRejection(Decode(With(decodedPayload)), RejectionCodes.InvalidShape);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"up\"")]
    [InlineData("null")]
    public void Uplink_message_that_is_not_an_object_is_invalid_shape(string uplink)
    {
        var json = $$$"""{"end_device_ids": {"device_id": "{{{Device}}}"}, "uplink_message": {{{uplink}}}}""";

        SingleRejection(Decode(json), RejectionCodes.InvalidShape);
    }

    [Theory]
    [InlineData("""{"uplink_message": {"decoded_payload": {"pm25": 1}}}""")]
    [InlineData("""{"end_device_ids": "dev1", "uplink_message": {"decoded_payload": {"pm25": 1}}}""")]
    [InlineData("""{"end_device_ids": {"dev_eui": "70B3D57ED0053A1C"}, "uplink_message": {"decoded_payload": {"pm25": 1}}}""")]
    [InlineData("""{"end_device_ids": {"device_id": 17}, "uplink_message": {"decoded_payload": {"pm25": 1}}}""")]
    [InlineData("""{"end_device_ids": {"device_id": ""}, "uplink_message": {"decoded_payload": {"pm25": 1}}}""")]
    public void Missing_or_malformed_device_id_is_invalid_shape(string json)
    {
        var rejection = SingleRejection(Decode(json), RejectionCodes.InvalidShape);

        Assert.Contains("device_id", rejection.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"2025-11-28T08:00:00.123456789Z\"", 1_764_316_800_123)]
    [InlineData("\"2025-11-28T08:00:00Z\"", 1_764_316_800_000)]
    [InlineData("\"2025-11-28T09:00:00.999999+01:00\"", 1_764_316_800_999)]
    public void Uplink_received_at_is_the_time_truncated_to_the_millisecond(string receivedAt, long expectedMs)
    {
        var json = $$$"""{"end_device_ids": {"device_id": "{{{Device}}}"}, "received_at": "2025-11-28T08:00:01Z", "uplink_message": {"decoded_payload": {"pm10": 1}, "received_at": {{{receivedAt}}}}}""";

        var reading = Assert.Single(Decode(json).Readings);

        Assert.Equal(expectedMs, reading.Timestamp!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(TimeSpan.Zero, reading.Timestamp.Value.Offset);
    }

    [Fact]
    public void Top_level_received_at_is_the_fallback()
    {
        var json = $$$"""{"end_device_ids": {"device_id": "{{{Device}}}"}, "received_at": "2025-11-28T08:00:00.187654321Z", "uplink_message": {"decoded_payload": {"pm10": 1} }}""";

        Assert.Equal(1_764_316_800_187, Assert.Single(Decode(json).Readings).Timestamp!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void Without_any_received_at_the_reading_has_no_timestamp_and_the_policy_decides()
    {
        var json = $$$"""{"end_device_ids": {"device_id": "{{{Device}}}"}, "uplink_message": {"decoded_payload": {"pm10": 1} }}""";

        Assert.Null(Assert.Single(Decode(json).Readings).Timestamp);
        var refused = Ingestor().Ingest(Samples.Message(json, Topic), Profile);
        Assert.Equal(RejectionCodes.MissingTimestamp, Assert.Single(refused.Rejections).Code);
        var stamped = Ingestor(new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime }).Ingest(Samples.Message(json, Topic), Profile);
        Assert.Equal(1, stamped.ReceiveTimeStamped);
    }

    [Theory]
    [InlineData("\"2025-11-28T08:00:00\"")]
    [InlineData("\"yesterday\"")]
    [InlineData("1764316800000")]
    [InlineData("null")]
    public void Invalid_received_at_is_invalid_timestamp_even_when_the_other_one_is_valid(string receivedAt)
    {
        var json = $$$"""{"end_device_ids": {"device_id": "{{{Device}}}"}, "received_at": "2025-11-28T08:00:00Z", "uplink_message": {"decoded_payload": {"pm10": 1}, "received_at": {{{receivedAt}}}}}""";

        var rejection = SingleRejection(Decode(json), RejectionCodes.InvalidTimestamp);

        Assert.Contains("received_at", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Absent_f_cnt_leaves_seq_unknown_as_in_console_simulated_uplinks()
    {
        var json = $$$"""
            {"end_device_ids": {"device_id": "{{{Device}}}"}, "received_at": "2025-11-28T08:00:00Z", "simulated": true,
             "uplink_message": {"f_port": 2, "decoded_payload": {"pm10": 1}, "received_at": "2025-11-28T08:00:00Z"}}
            """;

        var reading = Assert.Single(Decode(json).Readings);

        Assert.Null(reading.Seq);
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("4294967295", 4_294_967_295L)]
    public void F_cnt_is_the_seq(string fCnt, long expected)
    {
        var json = $$$"""{"end_device_ids": {"device_id": "{{{Device}}}"}, "uplink_message": {"f_cnt": {{{fCnt}}}, "decoded_payload": {"pm10": 1} }}""";

        Assert.Equal(expected, Assert.Single(Decode(json).Readings).Seq);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("\"12\"")]
    [InlineData("null")]
    public void Invalid_f_cnt_is_invalid_shape(string fCnt)
    {
        var json = $$$"""{"end_device_ids": {"device_id": "{{{Device}}}"}, "uplink_message": {"f_cnt": {{{fCnt}}}, "decoded_payload": {"pm10": 1} }}""";

        var rejection = SingleRejection(Decode(json), RejectionCodes.InvalidShape);

        Assert.Contains("f_cnt", rejection.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"uplink\"")]
    [InlineData("42")]
    public void Payload_that_is_not_an_object_is_invalid_shape(string json)
    {
        SingleRejection(Decode(json), RejectionCodes.InvalidShape);
    }

    [Fact]
    public void A_field_name_with_an_unpaired_surrogate_is_refused_alone()
    {
        var result = Decode(With("""{"pm10": 61, "t\ud800": 1}"""));

        SingleRejection(result, RejectionCodes.MalformedJson);
        Assert.Equal("pm10", Assert.Single(result.Readings).Metric);
    }

    [Fact]
    public void A_device_id_with_an_unpaired_surrogate_refuses_the_message()
    {
        var json = """{"end_device_ids": {"device_id": "dev\udc00"}, "uplink_message": {"decoded_payload": {"pm10": 1}}}""";

        SingleRejection(Decode(json), RejectionCodes.MalformedJson);
    }
}
