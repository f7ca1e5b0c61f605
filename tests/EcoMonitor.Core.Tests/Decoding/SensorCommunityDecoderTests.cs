using System.Text.Json;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using Xunit;
using static EcoMonitor.Core.Tests.Decoding.DecodeAssert;

namespace EcoMonitor.Core.Tests.Decoding;

public sealed class SensorCommunityDecoderTests
{
    /// <summary>The example of the project wiki's data format description : no esp8266id.</summary>
    private const string WikiExample = """
        {"software_version": "NRZ-2017-099", "age":"97", "sensordatavalues":[{"value_type":"SDS_P1","value":"26.83"},{"value_type":"SDS_P2","value":"22.60"},{"value_type":"temperature","value":"19.00"},{"value_type":"humidity","value":"73.10"},{"value_type":"BME280_temperature","value":"21.53"},{"value_type":"BME280_humidity","value":"53.64"},{"value_type":"BME280_pressure","value":"97224.53"},{"value_type":"samples","value":"588824"},{"value_type":"min_micro","value":"243"},{"value_type":"max_micro","value":"27694"},{"value_type":"signal","value":"-50"}]}
        """;

    /// <summary>A custom-API post of a NAMF (Nettigo fork) device (the Sensor.Community wiki).</summary>
    private const string NamfExample = """
        {"esp8266id":"2392534","software_version":"NAMF-2020-35","sensordatavalues":[{"value_type":"SDS_P1","value":"15.23"},{"value_type":"SDS_P2","value":"10.17"},{"value_type":"BME280_temperature","value":"6.89"},{"value_type":"BME280_humidity","value":"78.43"},{"value_type":"BME280_pressure","value":"98920.23"},{"value_type":"HECA_temperature","value":"20.20"},{"value_type":"HECA_humidity","value":"33.14"},{"value_type":"samples","value":"122648"},{"value_type":"min_micro","value":"1104"},{"value_type":"max_micro","value":"116416"},{"value_type":"signal","value":"-51"}]}
        """;

    /// <summary>The other NAMF capture's ending: a comma before the closing bracket.</summary>
    private const string NamfTrailingComma = """
        {"esp8266id":"2392534","software_version":"NAMF-2020-35","sensordatavalues":[{"value_type":"SDS_P1","value":"15.23"},{"value_type":"SDS_P2","value":"10.17"},{"value_type":"signal","value":"-71"},]}
        """;

    private const string Topic = "airrohr/garden";

    /// <summary>A relay publishing to <c>airrohr/{site}</c>; the device comes from esp8266id.</summary>
    private static readonly SubscriptionProfile Profile = new()
    {
        Format = SensorCommunityDecoder.FormatName,
        Topic = TopicPattern.Parse("airrohr/{site}"),
        Kind = SensorKind.Air,
    };

    /// <summary>For payloads without esp8266id: the subscription names the device.</summary>
    private static readonly SubscriptionProfile FixedDevice = new()
    {
        Format = SensorCommunityDecoder.FormatName,
        Topic = TopicPattern.Parse("airrohr/{site}"),
        Kind = SensorKind.Air,
        Device = "esp8266-13597771",
    };

    private readonly SensorCommunityDecoder _decoder = new();

    private DecodeResult Decode(string json, SubscriptionProfile? profile = null, string topic = Topic, DecoderLimits? limits = null, DateTimeOffset? receivedAt = null) =>
        _decoder.Decode(new DecodeContext(Samples.Message(json, topic, receivedAt), profile ?? Profile, limits ?? new DecoderLimits()));

    /// <summary>A custom-API post of device 2392534 with the given entries.</summary>
    private static string With(string entries) =>
        $$"""{"esp8266id": "2392534", "software_version": "NRZ-2024-135", "sensordatavalues": [{{entries}}]}""";

    private static string Entry(string type, string value) => $$"""{"value_type": "{{type}}", "value": "{{value}}"}""";

    private static MessageIngestor Ingestor() => Samples.Ingestor(new SensorCommunityDecoder());

    [Fact]
    public void Format_is_sensor_community()
    {
        Assert.Equal("sensor-community", _decoder.Format);
    }

    [Theory]
    [InlineData(WikiExample, true)]
    [InlineData("""{"sensordatavalues": 1}""", true)]
    [InlineData("""{"esp8266id": "2392534"}""", false)]
    [InlineData("""{"ts": 1764316800000, "readings": {"pm25": 1}}""", false)]
    [InlineData("""{"end_device_ids": {}, "uplink_message": {}}""", false)]
    [InlineData("""[{"sensordatavalues": []}]""", false)]
    public void Recognizes_an_object_with_sensordatavalues(string json, bool expected)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(expected, _decoder.Recognizes(document.RootElement, Topic));
    }

    [Fact]
    public void Wiki_example_is_stored_without_rejection_with_bme280_preferred_and_pressure_in_hPa()
    {
        var result = Ingestor().Ingest(Samples.Message(WikiExample, Topic), FixedDevice);

        Assert.Equal("sensor-community", result.Format);
        Assert.Empty(result.Rejections);
        Assert.Equal(5, result.Accepted.Count);
        Assert.Equal(26.83, Values(result)["pm10"]);
        Assert.Equal(22.60, Values(result)["pm25"]);
        Assert.Equal(21.53, Values(result)["temperature"]);
        Assert.Equal(53.64, Values(result)["humidity"]);
        Assert.Equal(972.2453, Values(result)["pressure"], 9);
        Assert.All(result.Accepted, r =>
        {
            Assert.Equal((SensorKind.Air, "garden", "esp8266-13597771"), (r.Kind, r.Site, r.Device));
            Assert.Equal(Samples.ReceivedAt.ToUnixTimeMilliseconds(), r.TimestampMs);
            Assert.Null(r.Seq);
        });
    }

    [Fact]
    public void Namf_example_is_stored_without_rejection_under_its_x_sensor_name()
    {
        var result = Ingestor().Ingest(Samples.Message(NamfExample, Topic), Profile);

        Assert.Empty(result.Rejections);
        Assert.Equal(
            new Dictionary<string, double> { ["pm10"] = 15.23, ["pm25"] = 10.17, ["temperature"] = 6.89, ["humidity"] = 78.43, ["pressure"] = 989.2023 },
            Values(result).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 6), StringComparer.Ordinal));
        Assert.All(result.Accepted, r => Assert.Equal("esp8266-2392534", r.Device));
    }

    [Fact]
    public void Namf_example_decodes_to_its_readings_with_pressure_in_Pa_for_validation_to_convert()
    {
        var address = new SensorAddress(SensorKind.Air, "garden", "esp8266-2392534");

        var result = Decode(NamfExample);

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [
                new DecodedReading(address, "pm10", 15.23, Samples.ReceivedAt, null, 0),
                new DecodedReading(address, "pm25", 10.17, Samples.ReceivedAt, null, 0),
                new DecodedReading(address, "temperature", 6.89, Samples.ReceivedAt, null, 0),
                new DecodedReading(address, "humidity", 78.43, Samples.ReceivedAt, null, 0),
                new DecodedReading(address, "pressure", 98920.23, Samples.ReceivedAt, null, 0, "Pa"),
            ],
            result.Readings);
    }

    [Fact]
    public void A_trailing_comma_in_the_array_is_tolerated()
    {
        var result = Decode(NamfTrailingComma);

        Assert.Empty(result.Rejections);
        Assert.Equal(new Dictionary<string, double> { ["pm10"] = 15.23, ["pm25"] = 10.17 }, Values(result));
    }

    [Fact]
    public void The_receive_time_truncated_to_the_millisecond_is_the_reading_time_even_when_the_policy_refuses_missing_ones()
    {
        var receivedAt = Samples.ReceivedAt.AddTicks(1_234_567);

        var decoded = Decode(NamfTrailingComma, receivedAt: receivedAt);
        Assert.All(decoded.Readings, r => Assert.Equal(Samples.ReceivedAt.AddMilliseconds(123), r.Timestamp));

        var ingested = Ingestor().Ingest(Samples.Message(NamfTrailingComma, Topic, receivedAt), Profile);
        Assert.Empty(ingested.Rejections);
        Assert.All(ingested.Accepted, r => Assert.Equal(Samples.ReceivedAt.ToUnixTimeMilliseconds() + 123, r.TimestampMs));
    }

    [Fact]
    public void Auto_detects_the_sensor_community_shape()
    {
        var auto = new SubscriptionProfile { Format = PayloadFormats.Auto, Topic = Profile.Topic, Kind = SensorKind.Air };

        var result = Ingestor().Ingest(Samples.Message(NamfExample, Topic), auto);

        Assert.Equal("sensor-community", result.Format);
        Assert.Empty(result.Rejections);
    }

    [Theory]
    [InlineData("SDS_P1", "pm10", null)]
    [InlineData("SDS_P2", "pm25", null)]
    [InlineData("PMS_P0", "pm1", null)]
    [InlineData("PMS_P1", "pm10", null)]
    [InlineData("PMS_P2", "pm25", null)]
    [InlineData("HPM_P1", "pm10", null)]
    [InlineData("HPM_P2", "pm25", null)]
    [InlineData("NPM_P0", "pm1", null)]
    [InlineData("NPM_P1", "pm10", null)]
    [InlineData("NPM_P2", "pm25", null)]
    [InlineData("SPS30_P0", "pm1", null)]
    [InlineData("SPS30_P1", "pm10", null)]
    [InlineData("SPS30_P2", "pm25", null)]
    [InlineData("IPS_P0", "pm1", null)]
    [InlineData("IPS_P1", "pm10", null)]
    [InlineData("IPS_P2", "pm25", null)]
    [InlineData("P0", "pm1", null)]
    [InlineData("P1", "pm10", null)]
    [InlineData("P2", "pm25", null)]
    [InlineData("temperature", "temperature", null)]
    [InlineData("humidity", "humidity", null)]
    [InlineData("BME280_temperature", "temperature", null)]
    [InlineData("BME280_humidity", "humidity", null)]
    [InlineData("BME280_pressure", "pressure", "Pa")]
    [InlineData("BMP280_temperature", "temperature", null)]
    [InlineData("BMP280_pressure", "pressure", "Pa")]
    [InlineData("BMP_temperature", "temperature", null)]
    [InlineData("BMP_pressure", "pressure", "Pa")]
    [InlineData("pressure", "pressure", "Pa")]
    [InlineData("SHT3X_temperature", "temperature", null)]
    [InlineData("SHT3X_humidity", "humidity", null)]
    [InlineData("HTU21D_temperature", "temperature", null)]
    [InlineData("HTU21D_humidity", "humidity", null)]
    [InlineData("SCD30_temperature", "temperature", null)]
    [InlineData("SCD30_humidity", "humidity", null)]
    [InlineData("SCD30_co2_ppm", "co2", null)]
    [InlineData("co2_ppm", "co2", null)]
    [InlineData("DS18B20_temperature", "temperature", null)]
    [InlineData("DNMS_noise_LAeq", "noise", null)]
    [InlineData("noise_LAeq", "noise", null)]
    public void Value_types_map_to_catalog_metrics(string type, string metric, string? unit)
    {
        var result = Decode(With(Entry(type, "12.50")));

        Assert.Empty(result.Rejections);
        var reading = Assert.Single(result.Readings);
        Assert.Equal((metric, 12.5, unit), (reading.Metric, reading.Value, reading.Unit));
    }

    [Fact]
    public void Prefix_stripped_api_form_is_stored_with_pressure_converted()
    {
        var json = With(string.Join(',', Entry("P1", "26.83"), Entry("P2", "22.60"), Entry("temperature", "21.53"), Entry("humidity", "53.64"), Entry("pressure", "97224.53")));

        var result = Ingestor().Ingest(Samples.Message(json, Topic), Profile);

        Assert.Empty(result.Rejections);
        Assert.Equal(972.2453, Values(result)["pressure"], 9);
        Assert.Equal(5, result.Accepted.Count);
    }

    [Theory]
    [InlineData("samples", "588824")]
    [InlineData("min_micro", "243")]
    [InlineData("max_micro", "27694")]
    [InlineData("interval", "145000")]
    [InlineData("signal", "-50")]
    [InlineData("GPS_lat", "48.7780")]
    [InlineData("GPS_lon", "9.1800")]
    [InlineData("GPS_height", "245.00")]
    [InlineData("GPS_timestamp", "2025-11-28T08:04:59.000")]
    [InlineData("durP1", "12345")]
    [InlineData("ratioP1", "0.41")]
    [InlineData("durP2", "2345")]
    [InlineData("ratioP2", "0.08")]
    [InlineData("SPS30_N05", "87.15")]
    [InlineData("SPS30_N1", "103.22")]
    [InlineData("SPS30_N25", "104.37")]
    [InlineData("SPS30_N4", "104.51")]
    [InlineData("SPS30_N10", "104.55")]
    [InlineData("SPS30_TS", "0.55")]
    [InlineData("SPS30_P4", "14.10")]
    [InlineData("NPM_N1", "31.20")]
    [InlineData("IPS_N03", "1204.00")]
    [InlineData("IPS_P01", "0.80")]
    [InlineData("DNMS_noise_LA_min", "38.20")]
    [InlineData("DNMS_noise_LA_max", "71.90")]
    [InlineData("HECA_temperature", "20.20")]
    [InlineData("HECA_humidity", "33.14")]
    [InlineData("N25", "104.37")]
    [InlineData("lat", "48.7780")]
    [InlineData("signal", "not a number")]
    [InlineData("GPS_lat", "")]
    public void Diagnostics_and_quantities_outside_the_catalog_are_ignored_not_refused(string type, string value)
    {
        var result = Decode(With(string.Join(',', Entry("SDS_P1", "26.83"), Entry(type, value))));

        Assert.Empty(result.Rejections);
        Assert.Equal("pm10", Assert.Single(result.Readings).Metric);
    }

    [Fact]
    public void Only_diagnostics_is_invalid_shape_not_a_silent_acknowledgement()
    {
        var result = Decode(With(string.Join(',', Entry("samples", "588824"), Entry("signal", "-50"))));

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape);
        Assert.Contains("no measurement", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ppd42_P1_and_P2_are_particle_counts_and_are_ignored()
    {
        var json = With(string.Join(',',
            Entry("durP1", "12345"), Entry("ratioP1", "0.41"), Entry("P1", "2140.18"),
            Entry("durP2", "2345"), Entry("ratioP2", "0.08"), Entry("P2", "412.77"),
            Entry("temperature", "19.00")));

        var result = Decode(json);

        Assert.Empty(result.Rejections);
        Assert.Equal("temperature", Assert.Single(result.Readings).Metric);
    }

    [Fact]
    public void Two_sensors_for_one_metric_give_the_reading_of_the_preferred_one()
    {
        var json = With(string.Join(',',
            Entry("temperature", "19.00"), Entry("humidity", "73.10"),
            Entry("BMP280_temperature", "23.10"), Entry("BMP280_pressure", "97230.00"),
            Entry("BME280_temperature", "21.53"), Entry("BME280_humidity", "53.64"), Entry("BME280_pressure", "97224.53"),
            Entry("SHT3X_temperature", "20.91"),
            Entry("PMS_P1", "30.00"), Entry("PMS_P2", "20.00"), Entry("PMS_P0", "12.00"),
            Entry("SDS_P1", "26.83"), Entry("SDS_P2", "22.60")));

        var result = Decode(json);

        Assert.Empty(result.Rejections);
        Assert.Equal(
            new Dictionary<string, double>
            {
                ["temperature"] = 20.91, // SHT3X over BME280, DHT22, BMP280
                ["humidity"] = 53.64, // BME280 over DHT22
                ["pressure"] = 97224.53, // BME280 over BMP280
                ["pm10"] = 26.83, // SDS011 over PMS
                ["pm25"] = 22.60,
                ["pm1"] = 12.00, // only the PMS measures PM1
            },
            Values(result));
    }

    [Fact]
    public void A_value_type_sent_twice_keeps_neither_value()
    {
        var result = Decode(With(string.Join(',', Entry("SDS_P1", "26.83"), Entry("SDS_P2", "22.60"), Entry("SDS_P1", "27.10"))));

        var rejection = SingleRejection(result, RejectionCodes.DuplicateMetric);
        Assert.Equal(("pm10", (int?)0), (rejection.Metric, rejection.Record));
        Assert.Equal("pm25", Assert.Single(result.Readings).Metric);
    }

    [Fact]
    public void A_bad_value_of_the_preferred_sensor_is_refused_and_not_replaced_by_a_weaker_sensor()
    {
        var result = Decode(With(string.Join(',', Entry("BME280_temperature", "nan"), Entry("temperature", "19.00"), Entry("SDS_P1", "26.83"))));

        var rejection = SingleRejection(result, RejectionCodes.ValueNotFinite);
        Assert.Equal("temperature", rejection.Metric);
        Assert.Equal("pm10", Assert.Single(result.Readings).Metric);
    }

    [Fact]
    public void An_unknown_value_type_is_passed_on_and_refused_by_validation_as_unknown_metric()
    {
        var json = With(string.Join(',', Entry("SDS_P1", "26.83"), Entry("RADON_bq", "42.00")));

        var result = Ingestor().Ingest(Samples.Message(json, Topic), Profile);

        Assert.Equal("pm10", Assert.Single(result.Accepted).Metric);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal((RejectionCodes.UnknownMetric, "RADON_bq", 42d), (rejection.Code, rejection.Metric, rejection.Value));
    }

    [Fact]
    public void FieldMap_keyed_by_value_type_wins_over_the_built_in_map_and_the_ignore_list()
    {
        var profile = new SubscriptionProfile
        {
            Format = "sensor-community",
            Topic = Profile.Topic,
            Kind = SensorKind.Air,
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["DS18B20_temperature"] = "temperature",
                ["SEN5X_P2"] = "pm25",
                ["signal"] = "wifi_rssi",
            },
        };
        var json = With(string.Join(',', Entry("BME280_temperature", "21.53"), Entry("DS18B20_temperature", "18.25"), Entry("SEN5X_P2", "9.80"), Entry("signal", "-50")));

        var result = Decode(json, profile);

        Assert.Empty(result.Rejections);
        Assert.Equal(new Dictionary<string, double> { ["temperature"] = 18.25, ["pm25"] = 9.8, ["wifi_rssi"] = -50 }, Values(result));
    }

    [Fact]
    public void An_explicitly_mapped_pressure_keeps_its_Pa_unit()
    {
        var profile = new SubscriptionProfile
        {
            Format = "sensor-community",
            Topic = Profile.Topic,
            Kind = SensorKind.Air,
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["BMP_pressure"] = "pressure" },
        };

        var reading = Assert.Single(Decode(With(Entry("BMP_pressure", "97224.53")), profile).Readings);

        Assert.Equal(("pressure", "Pa"), (reading.Metric, reading.Unit));
    }

    [Theory]
    [InlineData("26.83", 26.83)]
    [InlineData("-50", -50d)]
    [InlineData("0", 0d)]
    [InlineData("1e1", 10d)]
    [InlineData(".5", 0.5)]
    [InlineData("+3.25", 3.25)]
    public void String_values_are_read_with_the_invariant_culture(string value, double expected)
    {
        Assert.Equal(expected, Assert.Single(Decode(With(Entry("SDS_P1", value))).Readings).Value);
    }

    [Fact]
    public void A_json_number_value_from_a_converting_relay_is_accepted()
    {
        var result = Decode(With("""{"value_type": "SDS_P1", "value": 26.83}"""));

        Assert.Equal(26.83, Assert.Single(result.Readings).Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("26,83")]
    [InlineData("1,000.5")]
    [InlineData(" 26.83")]
    [InlineData("26.83 ")]
    [InlineData("0x1A")]
    [InlineData("26.83ug")]
    public void A_string_that_is_no_number_is_value_not_number(string value)
    {
        var result = Decode(With(string.Join(',', Entry("SDS_P1", value), Entry("SDS_P2", "22.60"))));

        var rejection = SingleRejection(result, RejectionCodes.ValueNotNumber);
        Assert.Equal("pm10", rejection.Metric);
        Assert.Equal("pm25", Assert.Single(result.Readings).Metric);
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("NaN")]
    [InlineData("inf")]
    [InlineData("-inf")]
    [InlineData("ovf")]
    [InlineData("Infinity")]
    [InlineData("1e999")]
    public void Arduino_non_finite_prints_and_overflows_are_value_not_finite(string value)
    {
        var rejection = SingleRejection(Decode(With(Entry("SDS_P1", value))), RejectionCodes.ValueNotFinite);

        Assert.Equal("pm10", rejection.Metric);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("[26.83]")]
    public void A_value_of_another_json_type_is_value_not_number(string value)
    {
        SingleRejection(Decode(With($$"""{"value_type": "SDS_P1", "value": {{value}}}""")), RejectionCodes.ValueNotNumber);
    }

    [Fact]
    public void An_entry_without_value_is_invalid_shape_for_its_metric()
    {
        var result = Decode(With(string.Join(',', """{"value_type": "SDS_P1"}""", Entry("SDS_P2", "22.60"))));

        Assert.Equal("pm10", SingleRejection(result, RejectionCodes.InvalidShape).Metric);
        Assert.Equal("pm25", Assert.Single(result.Readings).Metric);
    }

    [Theory]
    [InlineData("42")]
    [InlineData("\"SDS_P1=26.83\"")]
    [InlineData("{\"value\": \"26.83\"}")]
    [InlineData("{\"value_type\": 1, \"value\": \"26.83\"}")]
    [InlineData("{\"value_type\": \"\", \"value\": \"26.83\"}")]
    public void A_malformed_entry_is_refused_alone(string entry)
    {
        var result = Decode(With(string.Join(',', entry, Entry("SDS_P2", "22.60"))));

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape);
        Assert.Contains("sensordatavalues[0]", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal("pm25", Assert.Single(result.Readings).Metric);
    }

    [Theory]
    [InlineData("2392534", "esp8266-2392534")]
    [InlineData("13597771", "esp8266-13597771")]
    [InlineData("1", "esp8266-1")]
    [InlineData("a4cf12fd31e8", "esp32-a4cf12fd31e8")]
    [InlineData("8c4b14a1b2c", "esp32-8c4b14a1b2c")]
    [InlineData("123456789012", "esp32-123456789012")]
    [InlineData("esp8266-2392534", "esp8266-2392534")]
    [InlineData("esp32-a4cf12fd31e8", "esp32-a4cf12fd31e8")]
    public void Device_is_the_x_sensor_name_built_from_esp8266id(string id, string device)
    {
        var result = Decode($$"""{"esp8266id": "{{id}}", "sensordatavalues": [{"value_type": "SDS_P1", "value": "1.00"}]}""");

        Assert.Equal(device, Assert.Single(result.Readings).Address.Device);
    }

    [Fact]
    public void A_numeric_esp8266id_is_accepted()
    {
        var result = Decode("""{"esp8266id": 2392534, "sensordatavalues": [{"value_type": "SDS_P1", "value": "1.00"}]}""");

        Assert.Equal("esp8266-2392534", Assert.Single(result.Readings).Address.Device);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"23 92534\"")]
    [InlineData("\"../x\"")]
    [InlineData("\"esp8266-\"")]
    [InlineData("\"2392534\\n\"")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("{}")]
    public void An_esp8266id_that_is_no_chip_id_is_invalid_shape(string id)
    {
        var result = Decode($$"""{"esp8266id": {{id}}, "sensordatavalues": [{"value_type": "SDS_P1", "value": "1.00"}]}""");

        Assert.Contains("esp8266id", SingleRejection(result, RejectionCodes.InvalidShape).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_level_of_the_topic_must_be_the_same_x_sensor_name()
    {
        var profile = new SubscriptionProfile { Format = "sensor-community", Topic = TopicPattern.Parse("airrohr/{site}/{device}"), Kind = SensorKind.Air };

        Assert.Empty(Decode(NamfExample, profile, "airrohr/garden/esp8266-2392534").Rejections);
        SingleRejection(Decode(NamfExample, profile, "airrohr/garden/2392534"), RejectionCodes.IdentityMismatch);
    }

    [Fact]
    public void Without_esp8266id_the_topic_can_name_the_device()
    {
        var profile = new SubscriptionProfile { Format = "sensor-community", Topic = TopicPattern.Parse("airrohr/{site}/{device}"), Kind = SensorKind.Air };

        var result = Decode(WikiExample, profile, "airrohr/garden/esp8266-13597771");

        Assert.Empty(result.Rejections);
        Assert.All(result.Readings, r => Assert.Equal("esp8266-13597771", r.Address.Device));
    }

    [Fact]
    public void Without_esp8266id_and_without_a_device_from_topic_or_subscription_it_is_bad_topic()
    {
        SingleRejection(Decode(WikiExample), RejectionCodes.BadTopic);
    }

    [Fact]
    public void Without_a_site_it_is_bad_topic()
    {
        var profile = new SubscriptionProfile { Format = "sensor-community", Topic = TopicPattern.Parse("airrohr/#"), Kind = SensorKind.Air };

        SingleRejection(Decode(NamfExample, profile, "airrohr/x"), RejectionCodes.BadTopic);
    }

    [Theory]
    [InlineData("""{"esp8266id": "2392534"}""")]
    [InlineData("""{"esp8266id": "2392534", "sensordatavalues": {"SDS_P1": "26.83"}}""")]
    [InlineData("""{"esp8266id": "2392534", "sensordatavalues": null}""")]
    [InlineData("""{"esp8266id": "2392534", "sensordatavalues": []}""")]
    [InlineData("""[{"value_type": "SDS_P1", "value": "26.83"}]""")]
    [InlineData("\"SDS_P1=26.83\"")]
    public void Missing_empty_or_non_array_sensordatavalues_or_a_non_object_is_invalid_shape(string json)
    {
        SingleRejection(Decode(json), RejectionCodes.InvalidShape);
    }

    [Fact]
    public void An_entry_with_an_unpaired_surrogate_is_refused_alone()
    {
        var result = Decode(With(string.Join(',', """{"value_type": "SDS_P1", "value": "2\ud8006"}""", Entry("SDS_P2", "22.60"))));

        Assert.Equal(RejectionCodes.MalformedJson, SingleRejection(result, RejectionCodes.MalformedJson).Code);
        Assert.Equal("pm25", Assert.Single(result.Readings).Metric);
    }

    [Fact]
    public void An_esp8266id_with_an_unpaired_surrogate_refuses_the_message()
    {
        SingleRejection(Decode("""{"esp8266id": "23\udc00", "sensordatavalues": [{"value_type": "SDS_P1", "value": "1"}]}"""), RejectionCodes.MalformedJson);
    }
}
