using System.Text;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;
using Xunit;
using static EcoMonitor.Core.Tests.Decoding.DecodeAssert;

namespace EcoMonitor.Core.Tests.Decoding;

public sealed class TasmotaDecoderTests
{
    /// <summary>A real Tasmota capture (a BME280 and an SDS011 on one node).</summary>
    private const string Capture =
        """{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Humidity":53.1,"DewPoint":10.6,"Pressure":977.0},"SDS0X1":{"PM2.5":11.8,"PM10":5.8},"PressureUnit":"hPa","TempUnit":"C"}""";

    /// <summary>The same node with SetOption8 1 (Fahrenheit): Tasmota converts every temperature, DewPoint included.</summary>
    private const string CaptureFahrenheit =
        """{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":68.9,"Humidity":53.1,"DewPoint":51.1,"Pressure":977.0},"SDS0X1":{"PM2.5":11.8,"PM10":5.8},"PressureUnit":"hPa","TempUnit":"F"}""";

    private const string Topic = "tele/tasmota_0A1B2C/SENSOR";

    private static readonly SensorAddress Node = new(SensorKind.Air, "campus", "tasmota_0A1B2C");

    /// <summary>2023-05-21T01:06:38 in Asia/Shanghai (UTC+8 all year).</summary>
    private static readonly DateTimeOffset CaptureInShanghai = new(2023, 5, 20, 17, 6, 38, TimeSpan.Zero);

    /// <summary>Half a minute after <see cref="CaptureInShanghai"/>: telemetry arrives as it is measured.</summary>
    private static readonly DateTimeOffset ReceivedInShanghai = new(2023, 5, 20, 17, 7, 8, TimeSpan.Zero);

    private readonly TasmotaDecoder _decoder = new();

    private static SubscriptionProfile Profile(
        string zone = "Asia/Shanghai",
        Dictionary<string, string>? fieldMap = null,
        SensorKind kind = SensorKind.Air,
        string topic = "tele/{device}/SENSOR") => new()
        {
            Format = TasmotaDecoder.FormatName,
            Topic = TopicPattern.Parse(topic),
            Kind = kind,
            Site = "campus",
            TimeZone = TimeZoneInfo.FindSystemTimeZoneById(zone),
            FieldMap = fieldMap is null
                ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, string>(fieldMap, StringComparer.OrdinalIgnoreCase),
        };

    private DecodeResult Decode(string json, SubscriptionProfile? profile = null, string topic = Topic, DateTimeOffset? receivedAt = null, DecoderLimits? limits = null) =>
        _decoder.Decode(new DecodeContext(
            new IncomingMessage(topic, Encoding.UTF8.GetBytes(json), receivedAt ?? ReceivedInShanghai),
            profile ?? Profile(),
            limits ?? new DecoderLimits()));

    private static string WithTime(string time) =>
        $$"""{"Time":{{time}},"BME280":{"Temperature":20.5,"Humidity":53.1},"TempUnit":"C"}""";

    private static MessageIngestor Ingestor(ValidationOptions? options = null) => Samples.Ingestor(new TasmotaDecoder(), options);

    // ---- format, shape and the real capture ------------------------------------------------

    [Fact]
    public void Format_is_tasmota_and_the_default_topic_is_tele_device_SENSOR()
    {
        Assert.Equal("tasmota", _decoder.Format);
        Assert.Equal(TasmotaDecoder.FormatName, _decoder.Format);
        Assert.Equal("tele/{device}/SENSOR", _decoder.ConventionalTopic.Pattern);
        Assert.Equal("tele/+/SENSOR", _decoder.ConventionalTopic.Filter);
    }

    [Fact]
    public void Real_capture_in_Asia_Shanghai_yields_every_sensor_value_at_the_local_time_converted_to_utc()
    {
        var result = Decode(Capture);

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [
                new DecodedReading(Node, "humidity", 53.1, CaptureInShanghai, null, 0),
                new DecodedReading(Node, "pm10", 5.8, CaptureInShanghai, null, 0),
                new DecodedReading(Node, "pm25", 11.8, CaptureInShanghai, null, 0),
                new DecodedReading(Node, "pressure", 977.0, CaptureInShanghai, null, 0, "hPa"),
                new DecodedReading(Node, "temperature", 20.5, CaptureInShanghai, null, 0, "°C"),
            ],
            result.Readings.OrderBy(r => r.Metric, StringComparer.Ordinal));
    }

    [Fact]
    public void Real_capture_in_Europe_Berlin_summer_is_utc_plus_two()
    {
        var result = Decode(Capture, Profile("Europe/Berlin"), receivedAt: new DateTimeOffset(2023, 5, 20, 23, 7, 0, TimeSpan.Zero));

        Assert.Empty(result.Rejections);
        Assert.Equal(5, result.Readings.Count);
        Assert.All(result.Readings, r => Assert.Equal(new DateTimeOffset(2023, 5, 20, 23, 6, 38, TimeSpan.Zero), r.Timestamp));
    }

    [Fact]
    public void Winter_time_in_Europe_Berlin_is_utc_plus_one_and_Asia_Shanghai_stays_utc_plus_eight()
    {
        var json = WithTime("\"2025-01-15T12:00:00\"");

        var berlin = Decode(json, Profile("Europe/Berlin"));
        var shanghai = Decode(json, Profile("Asia/Shanghai"));

        Assert.All(berlin.Readings, r => Assert.Equal(new DateTimeOffset(2025, 1, 15, 11, 0, 0, TimeSpan.Zero), r.Timestamp));
        Assert.All(shanghai.Readings, r => Assert.Equal(new DateTimeOffset(2025, 1, 15, 4, 0, 0, TimeSpan.Zero), r.Timestamp));
    }

    [Fact]
    public void DewPoint_and_SeaPressure_are_derived_and_ignored()
    {
        // SeaPressure appears when Altitude is set: it is computed from Pressure and the typed altitude.
        var result = Decode("""{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Humidity":53.1,"DewPoint":10.6,"Pressure":977.0,"SeaPressure":1012.3},"PressureUnit":"hPa","TempUnit":"C"}""");

        Assert.Empty(result.Rejections);
        Assert.Equal(["humidity", "pressure", "temperature"], result.Readings.Select(r => r.Metric).Order(StringComparer.Ordinal));
        Assert.Equal(977.0, Single(result, "pressure").Value);
    }

    [Fact]
    public void HeatIndex_and_AbsHumidity_are_derived_and_ignored()
    {
        var result = Decode("""{"Time":"2023-05-21T01:06:38","SHT3X":{"Temperature":30.1,"Humidity":70.2,"DewPoint":24.0,"HeatIndex":35.5,"AbsHumidity":21.3},"TempUnit":"C"}""");

        Assert.Empty(result.Rejections);
        Assert.Equal(["humidity", "temperature"], result.Readings.Select(r => r.Metric).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_reading_is_record_zero_without_seq()
    {
        var result = Decode(Capture);

        Assert.All(result.Readings, r =>
        {
            Assert.Equal(0, r.Record);
            Assert.Null(r.Seq);
            Assert.Equal(Node, r.Address);
        });
    }

    // ---- units -----------------------------------------------------------------------------

    [Fact]
    public void TempUnit_F_marks_temperatures_as_fahrenheit_for_the_validator_to_convert()
    {
        var result = Decode(CaptureFahrenheit);

        Assert.Empty(result.Rejections);
        var temperature = Single(result, "temperature");
        Assert.Equal(68.9, temperature.Value);
        Assert.Equal("°F", temperature.Unit);
        Assert.Null(Single(result, "humidity").Unit);
        Assert.Null(Single(result, "pm25").Unit);
        Assert.Equal("hPa", Single(result, "pressure").Unit);
    }

    [Fact]
    public void TempUnit_C_marks_temperatures_as_celsius()
    {
        Assert.Equal("°C", Single(Decode(Capture), "temperature").Unit);
    }

    [Fact]
    public void Without_unit_fields_values_are_in_the_catalog_unit()
    {
        var result = Decode("""{"Time":"2023-05-21T01:06:38","BMP280":{"Temperature":20.5,"Pressure":977.0}}""");

        Assert.Empty(result.Rejections);
        Assert.All(result.Readings, r => Assert.Null(r.Unit));
    }

    [Theory]
    [InlineData("hPa", "hPa")]
    [InlineData("гПа", "hPa")]
    [InlineData("mmHg", "mmHg")]
    [InlineData("inHg", "inHg")]
    public void PressureUnit_is_normalized_when_it_means_hPa_and_otherwise_passed_on_as_sent(string sent, string expected)
    {
        var result = Decode($$"""{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Pressure":733.0},"PressureUnit":"{{sent}}","TempUnit":"C"}""");

        var pressure = Single(result, "pressure");
        Assert.Equal(expected, pressure.Unit);
        Assert.Equal(733.0, pressure.Value);
        Assert.Equal("°C", Single(result, "temperature").Unit);
    }

    [Theory]
    [InlineData("\"K\"", "K")]
    [InlineData("\"X\"", "X")]
    [InlineData("5", "5")]
    [InlineData("null", "null")]
    public void An_unexpected_TempUnit_is_passed_on_verbatim_so_the_validator_refuses_rather_than_guesses(string sent, string expected)
    {
        var result = Decode($$"""{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Humidity":53.1},"TempUnit":{{sent}}}""");

        Assert.Equal(expected, Single(result, "temperature").Unit);
        Assert.Null(Single(result, "humidity").Unit);
    }

    // ---- identity ----------------------------------------------------------------------------

    [Fact]
    public void Device_is_the_tasmota_topic_level_and_kind_and_site_come_from_the_profile()
    {
        var result = Decode(WithTime("\"2023-05-21T01:06:38\""), Profile(kind: SensorKind.Water), topic: "tele/pond-probe_2/SENSOR");

        Assert.All(result.Readings, r => Assert.Equal(new SensorAddress(SensorKind.Water, "campus", "pond-probe_2"), r.Address));
    }

    [Fact]
    public void A_custom_full_topic_is_a_subscription_pattern()
    {
        // FullTopic %topic%/%prefix%/ puts the device first.
        var result = Decode(Capture, Profile(topic: "{device}/tele/SENSOR"), topic: "tasmota_0A1B2C/tele/SENSOR");

        Assert.Empty(result.Rejections);
        Assert.All(result.Readings, r => Assert.Equal(Node, r.Address));
    }

    [Theory]
    [InlineData("tele/tasmota_0A1B2C/STATE")]
    [InlineData("stat/tasmota_0A1B2C/SENSOR")]
    [InlineData("tele/tasmota_0A1B2C/SENSOR/extra")]
    [InlineData("tele/bad device/SENSOR")]
    public void A_topic_outside_the_pattern_or_with_a_bad_device_name_is_bad_topic(string topic)
    {
        var result = Decode(Capture, topic: topic);

        SingleRejection(result, RejectionCodes.BadTopic);
        Assert.Empty(result.Readings);
    }

    // ---- time ------------------------------------------------------------------------------

    [Fact]
    public void A_time_in_the_spring_forward_gap_is_invalid_timestamp()
    {
        // Europe/Berlin jumps from 02:00 CET to 03:00 CEST on 2025-03-30: 02:30 never happens.
        var result = Decode(WithTime("\"2025-03-30T02:30:00\""), Profile("Europe/Berlin"), receivedAt: new DateTimeOffset(2025, 3, 30, 1, 0, 0, TimeSpan.Zero));

        var rejection = SingleRejection(result, RejectionCodes.InvalidTimestamp);
        Assert.Contains("Europe/Berlin", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal(0, rejection.Record);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData("2025-03-30T01:59:59", "2025-03-30T00:59:59Z")]
    [InlineData("2025-03-30T03:00:00", "2025-03-30T01:00:00Z")]
    [InlineData("2025-10-26T01:59:59", "2025-10-25T23:59:59Z")]
    [InlineData("2025-10-26T03:00:00", "2025-10-26T02:00:00Z")]
    public void Times_next_to_the_dst_changes_take_the_offset_in_force(string local, string utc)
    {
        var result = Decode(WithTime($"\"{local}\""), Profile("Europe/Berlin"), receivedAt: DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Empty(result.Rejections);
        Assert.All(result.Readings, r => Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), r.Timestamp));
    }

    [Theory]
    // 02:30 happens twice on 2025-10-26 in Europe/Berlin: at 00:30Z (CEST) and at 01:30Z (CET).
    [InlineData("2025-10-26T00:30:20Z", "2025-10-26T00:30:00Z")]
    [InlineData("2025-10-26T01:30:20Z", "2025-10-26T01:30:00Z")]
    [InlineData("2025-10-26T00:59:59Z", "2025-10-26T00:30:00Z")]
    [InlineData("2025-10-26T01:00:01Z", "2025-10-26T01:30:00Z")]
    [InlineData("2025-10-27T00:00:00Z", "2025-10-26T01:30:00Z")]
    [InlineData("2025-10-25T00:00:00Z", "2025-10-26T00:30:00Z")]
    public void A_time_in_the_repeated_hour_takes_the_offset_nearest_the_receive_time(string received, string expected)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        var result = Decode(WithTime("\"2025-10-26T02:30:00\""), Profile("Europe/Berlin"), receivedAt: DateTimeOffset.Parse(received, culture));

        Assert.Empty(result.Rejections);
        Assert.All(result.Readings, r => Assert.Equal(DateTimeOffset.Parse(expected, culture), r.Timestamp));
    }

    [Fact]
    public void An_exact_tie_in_the_repeated_hour_takes_the_earlier_instant()
    {
        // 01:00Z is as far from 00:30Z as from 01:30Z.
        var result = Decode(WithTime("\"2025-10-26T02:30:00\""), Profile("Europe/Berlin"), receivedAt: new DateTimeOffset(2025, 10, 26, 1, 0, 0, TimeSpan.Zero));

        Assert.All(result.Readings, r => Assert.Equal(new DateTimeOffset(2025, 10, 26, 0, 30, 0, TimeSpan.Zero), r.Timestamp));
    }

    [Fact]
    public void Epoch_is_utc_and_wins_over_the_local_Time()
    {
        // Time 1 format: local Time plus Epoch; Epoch settles the repeated hour without guessing.
        var result = Decode(
            """{"Time":"2025-10-26T02:30:00","Epoch":1761442200,"BME280":{"Temperature":9.5},"TempUnit":"C"}""",
            Profile("Europe/Berlin"),
            receivedAt: new DateTimeOffset(2025, 10, 26, 0, 30, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2025, 10, 26, 1, 30, 0, TimeSpan.Zero), Assert.Single(result.Readings).Timestamp);
    }

    [Fact]
    public void A_numeric_Time_is_utc_unix_seconds()
    {
        // Time 2 format.
        var result = Decode(WithTime("1684602398"), Profile("Europe/Berlin"));

        Assert.Empty(result.Rejections);
        Assert.All(result.Readings, r => Assert.Equal(CaptureInShanghai, r.Timestamp));
    }

    [Theory]
    [InlineData("2023-05-21T01:06:38.123", 123)]
    [InlineData("2023-05-21T01:06:38.5", 500)]
    [InlineData("2023-05-21T01:06:38.123456789", 123)]
    public void Local_milliseconds_are_kept_and_further_digits_truncated(string time, int ms)
    {
        // Time 3 format.
        var result = Decode(WithTime($"\"{time}\""));

        Assert.All(result.Readings, r => Assert.Equal(CaptureInShanghai.AddMilliseconds(ms), r.Timestamp));
    }

    [Theory]
    [InlineData("2023-05-21T01:06:38+08:00")]
    [InlineData("2023-05-20T19:06:38+02:00")]
    [InlineData("2023-05-20T17:06:38Z")]
    [InlineData("2023-05-20T12:06:38.000-05:00")]
    public void A_Time_with_an_offset_is_taken_as_sent_whatever_the_profile_zone(string time)
    {
        // SetOption52 appends the device's offset.
        var result = Decode(WithTime($"\"{time}\""), Profile("Europe/Berlin"));

        Assert.Empty(result.Rejections);
        Assert.All(result.Readings, r => Assert.Equal(CaptureInShanghai, r.Timestamp));
    }

    [Fact]
    public void Missing_Time_leaves_the_timestamp_to_the_validator()
    {
        var result = Decode("""{"BME280":{"Temperature":20.5,"Humidity":53.1},"TempUnit":"C"}""");

        Assert.Empty(result.Rejections);
        Assert.Equal(2, result.Readings.Count);
        Assert.All(result.Readings, r => Assert.Null(r.Timestamp));
    }

    [Theory]
    [InlineData("\"yesterday\"")]
    [InlineData("\"\"")]
    [InlineData("\"2023-05-21 01:06:38\"")]
    [InlineData("\"2023-05-21T01:06\"")]
    [InlineData("\"2023-05-21\"")]
    [InlineData("\"2023-02-30T01:06:38\"")]
    [InlineData("\"2023-05-21T24:00:00\"")]
    [InlineData("\"2023-05-21T01:60:00\"")]
    [InlineData("\"2023-05-21T01:06:38+08\"")]
    [InlineData("\"2023-05-21T01:06:38+24:00\"")]
    [InlineData("\"2023-05-21T01:06:38.\"")]
    [InlineData("\" 2023-05-21T01:06:38\"")]
    [InlineData("\"2023-05-21T01:06:38\\n\"")]
    [InlineData("\"٢٠٢٣-05-21T01:06:38\"")]
    [InlineData("\"0001-01-01T00:00:00\"")]
    [InlineData("1684602398.5")]
    [InlineData("1e30")]
    [InlineData("-99999999999999")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("[\"2023-05-21T01:06:38\"]")]
    public void A_bad_Time_refuses_the_message_as_invalid_timestamp(string time)
    {
        var result = Decode(WithTime(time));

        var rejection = SingleRejection(result, RejectionCodes.InvalidTimestamp);
        Assert.Equal(0, rejection.Record);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData("\"1684602398\"")]
    [InlineData("1684602398.5")]
    [InlineData("null")]
    [InlineData("99999999999999999")]
    public void A_bad_Epoch_is_invalid_timestamp_even_with_a_good_Time(string epoch)
    {
        var result = Decode($$$"""{"Time":"2023-05-21T01:06:38","Epoch":{{{epoch}}},"BME280":{"Temperature":20.5}}""");

        SingleRejection(result, RejectionCodes.InvalidTimestamp);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void A_clock_not_yet_set_by_ntp_is_decoded_for_the_validator_to_refuse()
    {
        var result = Decode(WithTime("\"1970-01-01T00:00:15\""), Profile("Etc/UTC"));

        Assert.All(result.Readings, r => Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(15), r.Timestamp));
    }

    // ---- StatusSNS, STATE ----------------------------------------------------------------

    [Fact]
    public void The_StatusSNS_wrapper_of_Status_8_is_decoded_like_SENSOR()
    {
        var result = Decode($$"""{"StatusSNS":{{Capture}}}""", Profile(topic: "stat/{device}/+"), topic: "stat/tasmota_0A1B2C/STATUS8");

        Assert.Empty(result.Rejections);
        Assert.Equal(
            Decode(Capture).Readings.OrderBy(r => r.Metric, StringComparer.Ordinal),
            result.Readings.OrderBy(r => r.Metric, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("\"x\"")]
    [InlineData("[]")]
    [InlineData("null")]
    public void A_StatusSNS_that_is_no_object_is_invalid_shape(string wrapped)
    {
        var result = Decode($$"""{"StatusSNS":{{wrapped}}}""");

        SingleRejection(result, RejectionCodes.InvalidShape);
    }

    [Fact]
    public void A_STATE_message_is_refused_as_invalid_shape_because_it_carries_no_readings()
    {
        const string state = """{"Time":"2023-05-21T01:06:38","Uptime":"0T00:05:00","UptimeSec":300,"Heap":25,"SleepMode":"Dynamic","Sleep":50,"LoadAvg":19,"MqttCount":1,"Wifi":{"AP":1,"SSId":"net","BSSId":"AA:BB:CC:DD:EE:FF","Channel":1,"Mode":"11n","RSSI":100,"Signal":-50,"LinkCount":1,"Downtime":"0T00:00:03"}}""";

        var result = Decode(state, Profile(topic: "tele/{device}/+"), topic: "tele/tasmota_0A1B2C/STATE");

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape);
        Assert.Contains("SENSOR", rejection.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Readings);
    }

    // ---- names, duplicates, values ----------------------------------------------------------

    [Fact]
    public void Two_sensors_of_one_quantity_keep_the_first_and_refuse_the_second_as_duplicate_metric()
    {
        var result = Decode("""{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Humidity":53.1,"DewPoint":10.6,"Pressure":977.0},"SHT3X":{"Temperature":20.9,"Humidity":51.0,"DewPoint":10.3},"PressureUnit":"hPa","TempUnit":"C"}""");

        Assert.Equal(20.5, Single(result, "temperature").Value);
        Assert.Equal(53.1, Single(result, "humidity").Value);
        Assert.Equal(977.0, Single(result, "pressure").Value);
        Assert.Equal(
            [(RejectionCodes.DuplicateMetric, (int?)0, (string?)"temperature", (double?)20.9), (RejectionCodes.DuplicateMetric, 0, "humidity", 51.0)],
            result.Rejections.Select(r => (r.Code, r.Record, r.Metric, r.Value)));
        Assert.All(result.Rejections, r =>
        {
            Assert.Contains("SHT3X", r.Reason, StringComparison.Ordinal);
            Assert.Contains("BME280", r.Reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Numbered_sensors_of_one_type_keep_the_first()
    {
        var result = Decode("""{"Time":"2023-05-21T01:06:38","DS18B20-1":{"Id":"01131B8E8DAA","Temperature":21.3},"DS18B20-2":{"Id":"0316A27905FF","Temperature":19.8},"TempUnit":"C"}""");

        Assert.Equal(21.3, Single(result, "temperature").Value);
        var rejection = SingleRejection(result, RejectionCodes.DuplicateMetric);
        Assert.Equal(19.8, rejection.Value);
        Assert.Contains("DS18B20-2", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Mapping_sensor_dot_field_to_dash_drops_it_so_another_sensor_gives_the_metric()
    {
        var profile = Profile(fieldMap: new() { ["BME280.Temperature"] = TasmotaDecoder.Ignore, ["BME280.Humidity"] = "-" });

        var result = Decode("""{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Humidity":53.1,"Pressure":977.0},"SHT3X":{"Temperature":20.9,"Humidity":51.0},"PressureUnit":"hPa","TempUnit":"C"}""", profile);

        Assert.Empty(result.Rejections);
        Assert.Equal(20.9, Single(result, "temperature").Value);
        Assert.Equal(51.0, Single(result, "humidity").Value);
        Assert.Equal(977.0, Single(result, "pressure").Value);
    }

    [Fact]
    public void A_sensor_the_field_map_names_beats_the_built_in_names_wherever_it_comes()
    {
        var profile = Profile(fieldMap: new() { ["SHT3X.Temperature"] = "temperature", ["SHT3X.Humidity"] = "humidity" });

        var result = Decode("""{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Humidity":53.1,"Pressure":977.0},"SHT3X":{"Temperature":20.9,"Humidity":51.0},"PressureUnit":"hPa","TempUnit":"C"}""", profile);

        Assert.Empty(result.Rejections);
        Assert.Equal(20.9, Single(result, "temperature").Value);
        Assert.Equal("°C", Single(result, "temperature").Unit);
        Assert.Equal(51.0, Single(result, "humidity").Value);
        Assert.Equal(977.0, Single(result, "pressure").Value);
    }

    [Fact]
    public void An_explicitly_mapped_eCO2_beats_a_built_in_CarbonDioxide()
    {
        // The operator's word wins, even over a better sensor: the mapping says which one is co2.
        var result = Decode(
            """{"Time":"2023-05-21T01:06:38","SCD30":{"CarbonDioxide":612,"Temperature":21.2},"SGP30":{"eCO2":455,"TVOC":12},"TempUnit":"C"}""",
            Profile(fieldMap: new() { ["eCO2"] = "co2" }));

        Assert.Empty(result.Rejections);
        Assert.Equal(455, Single(result, "co2").Value);
    }

    [Fact]
    public void An_overflowing_first_sensor_still_claims_its_metric_so_the_fault_is_reported_not_replaced()
    {
        var result = Decode("""{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":1e999,"Humidity":53.1},"SHT3X":{"Temperature":20.9},"TempUnit":"C"}""");

        Assert.Equal(["humidity"], result.Readings.Select(r => r.Metric));
        Assert.Equal(
            [(RejectionCodes.ValueNotFinite, (string?)"temperature", (double?)null), (RejectionCodes.DuplicateMetric, "temperature", 20.9)],
            result.Rejections.Select(r => (r.Code, r.Metric, r.Value)));
    }

    [Fact]
    public void A_repeated_field_in_one_sensor_keeps_the_first()
    {
        var result = Decode("""{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Temperature":99.0}}""");

        Assert.Equal(20.5, Single(result, "temperature").Value);
        Assert.Equal(99.0, SingleRejection(result, RejectionCodes.DuplicateMetric).Value);
    }

    [Fact]
    public void The_pms5003_atmospheric_values_are_read_and_its_cf1_and_particle_counts_ignored()
    {
        var result = Decode("""{"Time":"2020-02-27T03:27:22","PMS5003":{"CF1":0,"CF2.5":1,"CF10":1,"PM1":0,"PM2.5":1,"PM10":1,"PB0.3":0,"PB0.5":0,"PB1":0,"PB2.5":0,"PB5":0,"PB10":0}}""");

        Assert.Empty(result.Rejections);
        Assert.Equal([("pm1", 0d), ("pm10", 1d), ("pm25", 1d)], result.Readings.Select(r => (r.Metric, r.Value)).OrderBy(r => r.Metric, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("CarbonDioxide")]
    [InlineData("CO2")]
    public void Carbon_dioxide_names_map_to_co2(string name)
    {
        var result = Decode($$$"""{"Time":"2023-05-21T01:06:38","MHZ19B":{"Model":"B","{{{name}}}":612}}""");

        Assert.Equal(612, Single(result, "co2").Value);
    }

    [Fact]
    public void Alias_names_match_case_insensitively_like_the_field_map()
    {
        var result = Decode("""{"Time":"2023-05-21T01:06:38","X":{"temperature":20.5,"pm2.5":3}}""");

        Assert.Equal(["pm25", "temperature"], result.Readings.Select(r => r.Metric).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ECO2_is_an_estimate_and_needs_a_field_map_entry_to_count_as_co2()
    {
        const string json = """{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5},"SGP30":{"eCO2":455,"TVOC":12},"TempUnit":"C"}""";

        var plain = Decode(json);
        var mapped = Decode(json, Profile(fieldMap: new() { ["eCO2"] = "co2" }));

        Assert.Empty(plain.Rejections);
        Assert.DoesNotContain(plain.Readings, r => r.Metric == "co2");
        Assert.Equal(455, Single(mapped, "co2").Value);
    }

    [Fact]
    public void The_field_map_applies_after_the_alias_table()
    {
        // The key "pm25" matches no Tasmota name, only the catalog name the alias gives "PM2.5".
        var result = Decode(Capture, Profile(fieldMap: new() { ["pm25"] = "-" }));

        Assert.Empty(result.Rejections);
        Assert.DoesNotContain(result.Readings, r => r.Metric == "pm25");
        Assert.Equal(5.8, Single(result, "pm10").Value);
    }

    [Fact]
    public void The_Global_copy_and_the_ESP32_die_temperature_are_skipped_unless_named_by_sensor_dot_field()
    {
        // SetOption2 adds "Global" with the values of one sensor again; ESP32 reports its chip temperature.
        const string json = """{"Time":"2023-05-21T01:06:38","ESP32":{"Temperature":52.8},"BME280":{"Temperature":20.5,"Humidity":53.1,"Pressure":977.0},"Global":{"Temperature":20.5,"Humidity":53.1,"DewPoint":10.6,"Pressure":977.0,"SeaPressure":1012.3},"PressureUnit":"hPa","TempUnit":"C"}""";

        var plain = Decode(json);
        var chip = Decode(json, Profile(fieldMap: new() { ["ESP32.Temperature"] = "temperature", ["BME280.Temperature"] = "-" }));

        Assert.Empty(plain.Rejections);
        Assert.Equal(20.5, Single(plain, "temperature").Value);
        Assert.Equal(3, plain.Readings.Count);
        Assert.Empty(chip.Rejections);
        Assert.Equal(52.8, Single(chip, "temperature").Value);
        Assert.Equal("°C", Single(chip, "temperature").Unit);
    }

    [Fact]
    public void Non_numeric_values_are_ignored()
    {
        var result = Decode("""{"Time":"2023-05-21T01:06:38","Switch1":"ON","DS18B20":{"Id":"01131B8E8DAA","Temperature":"21.3"},"AM2301":{"Temperature":null,"Humidity":true,"DewPoint":null},"SDS0X1":{"PM2.5":[1],"PM10":{"v":2}},"BMP280":{"Pressure":977.0},"TempUnit":"C","PressureUnit":"hPa"}""");

        Assert.Empty(result.Rejections);
        Assert.Equal(["pressure"], result.Readings.Select(r => r.Metric));
    }

    [Fact]
    public void A_failed_read_of_the_first_sensor_leaves_the_metric_to_the_next()
    {
        var result = Decode("""{"Time":"2023-05-21T01:06:38","AM2301":{"Temperature":null,"Humidity":null,"DewPoint":null},"SHT3X":{"Temperature":20.9,"Humidity":51.0},"TempUnit":"C"}""");

        Assert.Empty(result.Rejections);
        Assert.Equal(20.9, Single(result, "temperature").Value);
        Assert.Equal(51.0, Single(result, "humidity").Value);
    }

    [Fact]
    public void Only_failed_reads_refuse_the_message_as_invalid_shape_naming_the_sensors()
    {
        var result = Decode("""{"Time":"2023-05-21T01:06:38","AM2301":{"Temperature":null,"Humidity":null,"DewPoint":null},"TempUnit":"C"}""");

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape);
        Assert.Contains("AM2301", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal(0, rejection.Record);
    }

    [Theory]
    [InlineData("""{"Time":"2023-05-21T01:06:38","Switch1":"ON"}""")]
    [InlineData("""{"Time":"2023-05-21T01:06:38"}""")]
    [InlineData("""{}""")]
    [InlineData("""{"Time":"2023-05-21T01:06:38","ENERGY":{"Total":1.2,"Voltage":230,"Current":0.1}}""")]
    [InlineData("""{"Time":"2023-05-21T01:06:38","CCS811":{"eCO2":400,"TVOC":0}}""")]
    public void A_message_without_a_reading_of_a_known_metric_is_invalid_shape(string json)
    {
        var result = Decode(json);

        SingleRejection(result, RejectionCodes.InvalidShape);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData("1e999")]
    [InlineData("-1e999")]
    public void A_number_that_overflows_is_value_not_finite_and_the_rest_is_kept(string literal)
    {
        var result = Decode($$"""{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":{{literal}},"Humidity":53.1},"TempUnit":"C"}""");

        var rejection = SingleRejection(result, RejectionCodes.ValueNotFinite);
        Assert.Equal("temperature", rejection.Metric);
        Assert.Equal(53.1, Single(result, "humidity").Value);
    }

    [Fact]
    public void Deeper_nesting_than_sensor_objects_is_ignored()
    {
        var result = Decode("""{"Time":"2023-05-21T01:06:38","Zigbee":{"0x1234":{"Temperature":20.5}},"BME280":{"Humidity":53.1}}""");

        Assert.Equal(["humidity"], result.Readings.Select(r => r.Metric));
    }

    // ---- malformed input -------------------------------------------------------------------

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"Online\"")]
    public void A_payload_that_is_no_json_object_is_invalid_shape(string payload)
    {
        SingleRejection(Decode(payload), RejectionCodes.InvalidShape);
    }

    [Theory]
    [InlineData("""{"Time":"2023-05-21T01:06:38","BME\ud800":{"Temperature":20.5}}""")]
    [InlineData("""{"Time":"2023-05-21T01:06:38","BME280":{"Temp\udc00":20.5,"Humidity":53.1}}""")]
    [InlineData("""{"Time":"\ud800","BME280":{"Temperature":20.5}}""")]
    [InlineData("""{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5},"TempUnit":"\udfff"}""")]
    [InlineData("""{"Ti\ud800me":"2023-05-21T01:06:38","BME280":{"Temperature":20.5}}""")]
    public void An_unpaired_surrogate_escape_is_malformed_json_and_nothing_is_kept(string json)
    {
        var result = Decode(json);

        SingleRejection(result, RejectionCodes.MalformedJson);
        Assert.Empty(result.Readings);
    }

    // ---- auto detection ----------------------------------------------------------------------

    [Theory]
    [InlineData(Capture, "tele/x/SENSOR", true)]
    [InlineData(Capture, "home/x/telemetry", true)]
    [InlineData("""{"StatusSNS":{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5}}}""", "stat/x/STATUS8", true)]
    [InlineData("""{"BME280":{"Temperature":20.5}}""", "tele/x/SENSOR", true)]
    [InlineData("""{"Time":"2023-05-21T01:06:38","Uptime":"0T00:05:00","UptimeSec":300,"Wifi":{"RSSI":100}}""", "tele/x/STATE", false)]
    [InlineData("""{"Time":"2023-05-21T01:06:38","Uptime":"0T00:05:00","UptimeSec":300,"Wifi":{"RSSI":100}}""", "home/x/status", false)]
    [InlineData(Capture, "tele/x/STATE", false)]
    [InlineData("""{"Time":"2023-05-21T01:06:38","Switch1":"ON"}""", "home/x", false)]
    [InlineData("""{"ts":"2025-11-28T08:00:00Z","readings":{"pm25":1}}""", "eco/s1/air/n1", false)]
    [InlineData("""{"ts":"2025-11-28T08:00:00Z","readings":{"pm25":1}}""", "eco/s1/air/SENSOR", false)]
    [InlineData("""[{"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1}]""", "senml/x", false)]
    [InlineData("""{"end_device_ids":{"device_id":"d1"},"uplink_message":{"decoded_payload":{"pm25":1}}}""", "v3/app@ttn/devices/d1/up", false)]
    [InlineData("""{"esp8266id":"2392534","software_version":"NAMF-2020-35","sensordatavalues":[{"value_type":"SDS_P1","value":"15.23"}]}""", "airrohr/2392534", false)]
    [InlineData("[]", "tele/x/SENSOR", false)]
    [InlineData("""{"Ti\ud800me":"2023-05-21T01:06:38","BME280":{"Temperature":20.5}}""", "home/x", false)]
    public void Recognizes_sensor_telemetry_and_not_state_or_other_formats(string json, string topic, bool expected)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);

        Assert.Equal(expected, _decoder.Recognizes(document.RootElement, topic));
    }

    // ---- through decode + validate -------------------------------------------------------

    [Fact]
    public void Ingested_real_capture_keeps_the_bme280_values_and_the_cross_check_refuses_its_pm_pair()
    {
        // The capture's PM2.5 (11.8) exceeds its PM10 (5.8) beyond the tolerance (5.8 × 1.1 + 5 = 11.38):
        // PM2.5 is part of PM10, so the pair is refused. The capture is real; the sensor reading is not plausible.
        var result = Ingestor().Ingest(new IncomingMessage(Topic, Encoding.UTF8.GetBytes(Capture), ReceivedInShanghai), Profile());

        Assert.Equal("tasmota", result.Format);
        var ms = CaptureInShanghai.ToUnixTimeMilliseconds();
        Assert.Equal(
            [
                new Reading(SensorKind.Air, "campus", "tasmota_0A1B2C", "humidity", 53.1, ms, null),
                new Reading(SensorKind.Air, "campus", "tasmota_0A1B2C", "pressure", 977.0, ms, null),
                new Reading(SensorKind.Air, "campus", "tasmota_0A1B2C", "temperature", 20.5, ms, null),
            ],
            result.Accepted.OrderBy(r => r.Metric, StringComparer.Ordinal));
        Assert.Equal(
            [(RejectionCodes.Pm25AbovePm10, (string?)"pm10", (double?)5.8), (RejectionCodes.Pm25AbovePm10, "pm25", 11.8)],
            result.Rejections.Select(r => (r.Code, r.Metric, r.Value)).OrderBy(r => r.Metric, StringComparer.Ordinal));
    }

    [Fact]
    public void Ingested_fahrenheit_capture_is_stored_in_celsius()
    {
        var result = Ingestor().Ingest(new IncomingMessage(Topic, Encoding.UTF8.GetBytes(CaptureFahrenheit), ReceivedInShanghai), Profile());

        var temperature = Assert.Single(result.Accepted, r => r.Metric == "temperature");
        Assert.Equal(20.5, temperature.Value, 1e-9);
        Assert.Equal(977.0, Assert.Single(result.Accepted, r => r.Metric == "pressure").Value);
    }

    [Fact]
    public void Ingested_with_format_auto_the_capture_is_detected_as_tasmota()
    {
        var profile = new SubscriptionProfile
        {
            Format = PayloadFormats.Auto,
            Topic = new TasmotaDecoder().ConventionalTopic,
            Kind = SensorKind.Air,
            Site = "campus",
            TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"),
        };

        var result = Ingestor().Ingest(new IncomingMessage(Topic, Encoding.UTF8.GetBytes(Capture), ReceivedInShanghai), profile);

        Assert.Equal("tasmota", result.Format);
        Assert.Equal(3, result.Accepted.Count);
    }

    [Theory]
    [InlineData(Capture, "tele/tasmota_0A1B2C/SENSOR")]
    [InlineData("""{"StatusSNS":{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Humidity":53.1,"DewPoint":10.6,"Pressure":977.0},"PressureUnit":"hPa","TempUnit":"C"}}""", "tele/tasmota_0A1B2C/STATUS8")]
    public void Through_the_default_registry_auto_picks_tasmota_for_telemetry(string json, string topic)
    {
        var ingestor = new MessageIngestor(PayloadFormats.Default, new ReadingValidator(MetricCatalog.Default, new ValidationOptions()), new DecoderLimits());
        var profile = new SubscriptionProfile
        {
            Format = PayloadFormats.Auto,
            Topic = TopicPattern.Parse("tele/{device}/+"),
            Kind = SensorKind.Air,
            Site = "campus",
            TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"),
        };

        var result = ingestor.Ingest(new IncomingMessage(topic, Encoding.UTF8.GetBytes(json), ReceivedInShanghai), profile);

        Assert.Equal("tasmota", result.Format);
        Assert.Contains(result.Accepted, r => r.Metric == "temperature" && r.Value == 20.5);
    }

    [Fact]
    public void Ingested_without_Time_each_reading_is_missing_timestamp_unless_the_policy_stamps_receive_time()
    {
        var message = new IncomingMessage(Topic, Encoding.UTF8.GetBytes("""{"BME280":{"Temperature":20.5,"Humidity":53.1},"TempUnit":"C"}"""), ReceivedInShanghai);

        var refused = Ingestor().Ingest(message, Profile());
        var stamped = Ingestor(new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime }).Ingest(message, Profile());

        Assert.Empty(refused.Accepted);
        Assert.Equal(2, refused.Rejections.Count);
        Assert.All(refused.Rejections, r => Assert.Equal(RejectionCodes.MissingTimestamp, r.Code));
        Assert.Equal(2, stamped.Accepted.Count);
        Assert.Equal(2, stamped.ReceiveTimeStamped);
        Assert.All(stamped.Accepted, r => Assert.Equal(ReceivedInShanghai.ToUnixTimeMilliseconds(), r.TimestampMs));
    }

    [Fact]
    public void Ingested_before_the_clock_is_set_every_reading_is_invalid_timestamp()
    {
        var message = new IncomingMessage(Topic, Encoding.UTF8.GetBytes(WithTime("\"1970-01-01T00:00:15\"")), ReceivedInShanghai);

        var result = Ingestor().Ingest(message, Profile());

        Assert.Empty(result.Accepted);
        Assert.Equal(2, result.Rejections.Count);
        Assert.All(result.Rejections, r => Assert.Equal(RejectionCodes.InvalidTimestamp, r.Code));
    }

    [Fact]
    public void Ingested_pressure_in_inches_of_mercury_is_converted_to_hPa()
    {
        // SetOption24 + SetOption139: inches of mercury.
        var json = """{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Pressure":28.85},"PressureUnit":"inHg","TempUnit":"C"}""";

        var result = Ingestor().Ingest(new IncomingMessage(Topic, Encoding.UTF8.GetBytes(json), ReceivedInShanghai), Profile());

        Assert.Empty(result.Rejections);
        Assert.Equal(976.97, Math.Round(Assert.Single(result.Accepted, r => r.Metric == "pressure").Value, 2));
    }

    [Fact]
    public void Ingested_with_a_pressure_unit_the_converter_does_not_know_the_pressure_is_unknown_unit()
    {
        var json = """{"Time":"2023-05-21T01:06:38","BME280":{"Temperature":20.5,"Pressure":28.85},"PressureUnit":"torr","TempUnit":"C"}""";

        var result = Ingestor().Ingest(new IncomingMessage(Topic, Encoding.UTF8.GetBytes(json), ReceivedInShanghai), Profile());

        Assert.Equal("temperature", Assert.Single(result.Accepted).Metric);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(RejectionCodes.UnknownUnit, rejection.Code);
        Assert.Equal("pressure", rejection.Metric);
    }

    [Fact]
    public void Ingested_duplicate_sensors_store_the_first_and_dead_letter_the_second()
    {
        var json = """{"Time":"2023-05-21T01:06:38","DS18B20-1":{"Id":"01131B8E8DAA","Temperature":21.3},"DS18B20-2":{"Id":"0316A27905FF","Temperature":19.8},"TempUnit":"C"}""";

        var result = Ingestor().Ingest(new IncomingMessage(Topic, Encoding.UTF8.GetBytes(json), ReceivedInShanghai), Profile());

        Assert.Equal(21.3, Assert.Single(result.Accepted).Value);
        Assert.Equal(RejectionCodes.DuplicateMetric, Assert.Single(result.Rejections).Code);
    }
}
