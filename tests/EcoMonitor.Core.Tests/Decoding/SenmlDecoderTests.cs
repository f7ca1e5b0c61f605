using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;
using Xunit;
using static EcoMonitor.Core.Tests.Decoding.DecodeAssert;

namespace EcoMonitor.Core.Tests.Decoding;

/// <summary>
/// SenML JSON (RFC 8428): every rule of the format, on the RFC's own examples of §5.1 (quoted
/// verbatim where marked) and on packs an air-quality node would send.
/// </summary>
public sealed class SenmlDecoderTests
{
    /// <summary>2025-11-28T08:05:00Z, "now" for relative SenML times.</summary>
    private const long ReceivedMs = 1_764_317_100_000;

    /// <summary>A topic that names the device: the records' names must agree with it.</summary>
    private static readonly SubscriptionProfile DeviceTopic = new() { Format = "senml", Topic = SubscriptionProfile.NativePattern };

    /// <summary>A gateway topic that names no device: the records' names do.</summary>
    private static readonly SubscriptionProfile GatewayTopic = new() { Format = "senml", Topic = TopicPattern.Parse("gw/{site}/{kind}") };

    private const string Gateway = "gw/s1/air";

    private readonly SenmlDecoder _decoder = new();

    private DecodeResult Decode(string json, string topic = Gateway, SubscriptionProfile? profile = null, DecoderLimits? limits = null) =>
        _decoder.Decode(new DecodeContext(Samples.Message(json, topic), profile ?? GatewayTopic, limits ?? new DecoderLimits()));

    private DecodeResult Decode(byte[] payload, string topic = Gateway) =>
        _decoder.Decode(new DecodeContext(Samples.Message(payload, topic), GatewayTopic, new DecoderLimits()));

    private static MessageIngestor Ingestor(ValidationOptions? options = null) => Samples.Ingestor(new SenmlDecoder(), options);

    private static SensorAddress Air(string device, string site = "s1") => new(SensorKind.Air, site, device);

    private static long? Ms(DecodedReading reading) => reading.Timestamp?.ToUnixTimeMilliseconds();

    private static void AssertRejections(DecodeResult result, params (string Code, int? Record)[] expected)
    {
        Assert.Equal(expected, result.Rejections.Select(r => (r.Code, r.Record)));
        Assert.All(result.Rejections, r => Assert.False(string.IsNullOrWhiteSpace(r.Reason)));
    }

    [Fact]
    public void Format_is_senml()
    {
        Assert.Equal("senml", _decoder.Format);
        Assert.Equal(SenmlDecoder.FormatName, _decoder.Format);
    }

    // ---- Recognition (auto) ----

    [Theory]
    [InlineData("""[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]""")]
    [InlineData("""[{"bn":"urn:dev:ow:10e2073a01080063:"},{"n":"temp","u":"Cel","v":23.1}]""")]
    [InlineData("""[{"bt":1764316800,"v":1}]""")]
    [InlineData("""[{"vs":"x"}]""")]
    [InlineData("""[{"vb":true}]""")]
    [InlineData("""[{"vd":"aGkgCg"}]""")]
    [InlineData("""[{"s":1}]""")]
    [InlineData("""[{"t":0}]""")]
    [InlineData("""[{"u":"Cel"}]""")]
    [InlineData("""[{"bu":"Cel"}]""")]
    [InlineData("""[{"bver":10}]""")]
    [InlineData("""[{"bv":1}]""")]
    [InlineData("""[{"bs":1}]""")]
    [InlineData("""[{"ut":60}]""")]
    public void Recognizes_an_array_whose_first_record_has_a_senml_label(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.True(_decoder.Recognizes(document.RootElement, Gateway));
    }

    [Theory]
    [InlineData("""{"n":"pm25","v":1}""")]
    [InlineData("""[]""")]
    [InlineData("""[1, {"n":"pm25","v":1}]""")]
    [InlineData("""[{"ts":1764316800000,"readings":{"pm25":1}}]""")]
    [InlineData("""[{"n":"pm25","v":1,"readings":{"pm25":1}}]""")]
    [InlineData("""[{"name":"pm25","value":1}]""")]
    [InlineData("""[[{"n":"pm25","v":1}]]""")]
    [InlineData("\"[{\\\"n\\\":1}]\"")]
    public void Does_not_recognize_other_shapes(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.False(_decoder.Recognizes(document.RootElement, Gateway));
    }

    [Fact]
    public void Auto_picks_senml_for_a_pack_and_native_for_a_native_batch()
    {
        var auto = new SubscriptionProfile { Format = PayloadFormats.Auto, Topic = SubscriptionProfile.NativePattern };
        var ingestor = Ingestor();

        var senml = ingestor.Ingest(Samples.Message("""[{"bn":"n1:","bt":1764316800,"n":"pm25","v":35.2}]"""), auto);
        var native = ingestor.Ingest(Samples.Message("""[{"ts":1764316800000,"readings":{"pm25":35.2}}]"""), auto);

        Assert.Equal("senml", senml.Format);
        Assert.Equal("native", native.Format);
        Assert.Equal(native.Accepted, senml.Accepted);
    }

    // ---- RFC 8428 §5.1 examples ----

    [Fact]
    public void Rfc_5_1_1_single_data_point_names_only_a_device_and_is_refused_with_the_reason()
    {
        // Verbatim RFC 8428 §5.1.1: the name is a bare device URN, the unit says what was measured.
        var result = Decode("""
            [
              {"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}
            ]
            """);

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape, 0);
        Assert.Contains("device URN without a measurement name", rejection.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Rfc_5_1_2_voltage_and_current_now_have_no_time_of_their_own()
    {
        // Verbatim RFC 8428 §5.1.2, first pack: bn + n names device and measurement; no bt, no t.
        var result = Decode("""
            [
              {"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},
              {"n":"current","u":"A","v":1.2}
            ]
            """);

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [
                new DecodedReading(Air("10e2073a01080063"), "voltage", 120.1, null, null, 0, "V"),
                new DecodedReading(Air("10e2073a01080063"), "current", 1.2, null, null, 1, "A"),
            ],
            result.Readings);
    }

    [Fact]
    public void Rfc_5_1_2_multiple_data_points_resolve_base_time_relative_times_base_unit_and_version_5()
    {
        // Verbatim RFC 8428 §5.1.2, second pack: current at 2010-06-08T18:01:16.001Z and each second for the 5 before.
        var result = Decode("""
            [
              {"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,
               "bu":"A","bver":5,
               "n":"voltage","u":"V","v":120.1},
              {"n":"current","t":-5,"v":1.2},
              {"n":"current","t":-4,"v":1.3},
              {"n":"current","t":-3,"v":1.4},
              {"n":"current","t":-2,"v":1.5},
              {"n":"current","t":-1,"v":1.6},
              {"n":"current","v":1.7}
            ]
            """);

        Assert.Empty(result.Rejections);
        const long bt = 1_276_020_076_001;
        Assert.Equal(
            [
                ("voltage", 120.1, bt, "V", 0),
                ("current", 1.2, bt - 5000, "A", 1),
                ("current", 1.3, bt - 4000, "A", 2),
                ("current", 1.4, bt - 3000, "A", 3),
                ("current", 1.5, bt - 2000, "A", 4),
                ("current", 1.6, bt - 1000, "A", 5),
                ("current", 1.7, bt, "A", 6),
            ],
            result.Readings.Select(r => (r.Metric, r.Value, Ms(r)!.Value, r.Unit!, r.Record)));
        Assert.All(result.Readings, r => Assert.Equal(Air("10e2073a0108006"), r.Address));
        Assert.Equal(new DateTimeOffset(2010, 6, 8, 18, 1, 16, 1, TimeSpan.Zero), result.Readings[0].Timestamp);
    }

    [Fact]
    public void Rfc_5_1_2_sensml_stream_and_5_1_3_and_5_1_4_with_bare_device_urns_are_refused_record_by_record()
    {
        // RFC 8428 §5.1.2 (the SensML stream, without its "…"), §5.1.3 and §5.1.4 name only the device
        // and let the unit (%RH, lon, lat, %EL) say what was measured; the docs/formats.md#senml--rfc-8428 identity takes the
        // metric from the name, so each record is refused, saying why.
        var stream = Decode("""
            [
              {"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,
               "bu":"%RH","v":21.2},
              {"t":10,"v":21.3},
              {"t":20,"v":21.4}
            ]
            """);
        var resolved = Decode("""
            [
              {"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067464e+09,
               "v":20},
              {"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067464e+09,
               "v":24.30621}
            ]
            """);

        AssertRejections(stream, (RejectionCodes.InvalidShape, 0), (RejectionCodes.InvalidShape, 1), (RejectionCodes.InvalidShape, 2));
        AssertRejections(resolved, (RejectionCodes.InvalidShape, 0), (RejectionCodes.InvalidShape, 1));
        Assert.All(stream.Rejections.Concat(resolved.Rejections), r => Assert.Contains("urn:dev:ow:10e2073a01080063", r.Reason, StringComparison.Ordinal));
        Assert.Empty(stream.Readings);
        Assert.Empty(resolved.Readings);
    }

    [Fact]
    public void Rfc_5_1_3_with_measurement_names_and_its_resolved_form_5_1_4_decode_to_the_same_readings()
    {
        // RFC 8428 §5.1.3 and §5.1.4 with a measurement name after the device URN (their units kept).
        var packed = Decode("""
            [
              {"bn":"urn:dev:ow:10e2073a01080063:","bt":1.320067464e+09,
               "bu":"%RH","n":"humidity","v":20},
              {"n":"lon","u":"lon","v":24.30621},
              {"n":"lat","u":"lat","v":60.07965},
              {"n":"humidity","t":60,"v":20.3},
              {"n":"lon","u":"lon","t":60,"v":24.30622},
              {"n":"lat","u":"lat","t":60,"v":60.07965},
              {"n":"humidity","t":120,"v":20.7},
              {"n":"battery","u":"%EL","t":150,"v":98}
            ]
            """);
        var resolved = Decode("""
            [
              {"n":"urn:dev:ow:10e2073a01080063:humidity","u":"%RH","t":1.320067464e+09,"v":20},
              {"n":"urn:dev:ow:10e2073a01080063:lon","u":"lon","t":1.320067464e+09,"v":24.30621},
              {"n":"urn:dev:ow:10e2073a01080063:lat","u":"lat","t":1.320067464e+09,"v":60.07965},
              {"n":"urn:dev:ow:10e2073a01080063:humidity","u":"%RH","t":1.320067524e+09,"v":20.3},
              {"n":"urn:dev:ow:10e2073a01080063:lon","u":"lon","t":1.320067524e+09,"v":24.30622},
              {"n":"urn:dev:ow:10e2073a01080063:lat","u":"lat","t":1.320067524e+09,"v":60.07965},
              {"n":"urn:dev:ow:10e2073a01080063:humidity","u":"%RH","t":1.320067584e+09,"v":20.7},
              {"n":"urn:dev:ow:10e2073a01080063:battery","u":"%EL","t":1.320067614e+09,"v":98}
            ]
            """);

        Assert.Empty(packed.Rejections);
        Assert.Empty(resolved.Rejections);
        Assert.Equal(8, packed.Readings.Count);
        Assert.Equal(resolved.Readings, packed.Readings);
        Assert.Equal(
            [1_320_067_464_000, 1_320_067_464_000, 1_320_067_464_000, 1_320_067_524_000, 1_320_067_524_000, 1_320_067_524_000, 1_320_067_584_000, 1_320_067_614_000],
            packed.Readings.Select(r => Ms(r)!.Value));
    }

    [Fact]
    public void Rfc_5_1_5_multiple_data_types_keeps_the_number_and_refuses_string_boolean_and_data_values()
    {
        // Verbatim RFC 8428 §5.1.5.
        var result = Decode("""
            [
              {"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1},
              {"n":"label","vs":"Machine Room"},
              {"n":"open","vb":false},
              {"n":"nfv-reader","vd":"aGkgCg"}
            ]
            """);

        Assert.Equal(new DecodedReading(Air("10e2073a01080063"), "temp", 23.1, null, null, 0, "Cel"), Assert.Single(result.Readings));
        Assert.Equal(
            [
                (RejectionCodes.ValueNotNumber, (int?)1, (string?)"label"),
                (RejectionCodes.ValueNotNumber, 2, "open"),
                (RejectionCodes.ValueNotNumber, 3, "nfv-reader"),
            ],
            result.Rejections.Select(r => (r.Code, r.Record, r.Metric)));
        Assert.Contains("string value (vs)", result.Rejections[0].Reason, StringComparison.Ordinal);
        Assert.Contains("boolean value (vb)", result.Rejections[1].Reason, StringComparison.Ordinal);
        Assert.Contains("data value (vd)", result.Rejections[2].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Rfc_5_1_5_through_ingestion_maps_temp_and_stamps_the_receive_time_when_the_policy_allows()
    {
        var profile = new SubscriptionProfile
        {
            Format = "senml",
            Topic = SubscriptionProfile.NativePattern,
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["temp"] = "temperature" },
        };
        const string pack = """
            [
              {"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1},
              {"n":"label","vs":"Machine Room"},
              {"n":"open","vb":false},
              {"n":"nfv-reader","vd":"aGkgCg"}
            ]
            """;

        var result = Ingestor(new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime })
            .Ingest(Samples.Message(pack, "eco/machine-room/air/10e2073a01080063"), profile);
        var refusedByPolicy = Ingestor().Ingest(Samples.Message(pack, "eco/machine-room/air/10e2073a01080063"), profile);

        Assert.Equal("senml", result.Format);
        Assert.Equal([new Reading(SensorKind.Air, "machine-room", "10e2073a01080063", "temperature", 23.1, ReceivedMs, null)], result.Accepted);
        Assert.Equal(1, result.ReceiveTimeStamped);
        Assert.Equal(3, result.Rejections.Count);
        Assert.Empty(refusedByPolicy.Accepted);
        Assert.Contains(refusedByPolicy.Rejections, r => r.Code == RejectionCodes.MissingTimestamp && r.Metric == "temperature");
    }

    [Fact]
    public void Rfc_5_1_6_collection_of_resources_names_two_devices_with_the_base_time_of_the_first_record()
    {
        // Verbatim RFC 8428 §5.1.6: the last record uses bn of the third record and bt of the first.
        var result = Decode("""
            [
              {"bn":"2001:db8::2/","bt":1.320078429e+09,
               "n":"temperature","u":"Cel","v":25.2},
              {"n":"humidity","u":"%RH","v":30},
              {"bn":"2001:db8::1/","n":"temperature","u":"Cel","v":12.3},
              {"n":"humidity","u":"%RH","v":67}
            ]
            """);

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [
                ("2", "temperature", 25.2, "Cel"),
                ("2", "humidity", 30d, "%RH"),
                ("1", "temperature", 12.3, "Cel"),
                ("1", "humidity", 67d, "%RH"),
            ],
            result.Readings.Select(r => (r.Address.Device, r.Metric, r.Value, r.Unit!)));
        Assert.All(result.Readings, r => Assert.Equal(1_320_078_429_000, Ms(r)));
    }

    [Fact]
    public void Rfc_5_1_6_on_a_topic_naming_one_device_refuses_the_records_of_the_other()
    {
        var result = Decode(
            """
            [
              {"bn":"2001:db8::2/","bt":1.320078429e+09,"n":"temperature","u":"Cel","v":25.2},
              {"n":"humidity","u":"%RH","v":30},
              {"bn":"2001:db8::1/","n":"temperature","u":"Cel","v":12.3},
              {"n":"humidity","u":"%RH","v":67}
            ]
            """,
            "eco/s1/air/2",
            DeviceTopic);

        Assert.Equal([0, 1], result.Readings.Select(r => r.Record));
        AssertRejections(result, (RejectionCodes.IdentityMismatch, 2), (RejectionCodes.IdentityMismatch, 3));
        Assert.All(result.Rejections, r => Assert.Contains("'1'", r.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Rfc_5_1_7_a_record_of_base_fields_only_sets_up_the_others_and_is_not_refused()
    {
        // Verbatim RFC 8428 §5.1.7 (the thermostat): the first record carries bn alone.
        var result = Decode("""
            [
              {"bn":"urn:dev:ow:10e2073a01080063:"},
              {"n":"temp","u":"Cel","v":23.1},
              {"n":"heat","u":"/","v":1},
              {"n":"fan","u":"/","v":0}
            ]
            """);

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [("temp", 23.1, "Cel", 1), ("heat", 1d, "/", 2), ("fan", 0d, "/", 3)],
            result.Readings.Select(r => (r.Metric, r.Value, r.Unit!, r.Record)));
        Assert.All(result.Readings, r => Assert.Equal(Air("10e2073a01080063"), r.Address));
    }

    // ---- A real air-quality node ----

    private const string AirQualityPack = """
        [
          {"bn":"urn:dev:mac:0024befffe804ff1:","bt":1764316800,"bu":"ug/m3","bver":10,"n":"pm25","v":35.2},
          {"n":"pm10","v":61},
          {"n":"pm25","t":-60,"v":34.8},
          {"n":"pm10","t":-60,"v":60.1},
          {"n":"temperature","u":"Cel","v":21.5},
          {"n":"humidity","u":"%RH","v":53.6},
          {"n":"pressure","u":"Pa","v":97224.53}
        ]
        """;

    [Fact]
    public void Air_quality_pack_decodes_with_the_units_as_sent()
    {
        var result = Decode(AirQualityPack, "eco/s1/air/0024befffe804ff1", DeviceTopic);

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [
                ("pm25", 35.2, Samples.DeviceTimeMs, "ug/m3"),
                ("pm10", 61d, Samples.DeviceTimeMs, "ug/m3"),
                ("pm25", 34.8, Samples.DeviceTimeMs - 60_000, "ug/m3"),
                ("pm10", 60.1, Samples.DeviceTimeMs - 60_000, "ug/m3"),
                ("temperature", 21.5, Samples.DeviceTimeMs, "Cel"),
                ("humidity", 53.6, Samples.DeviceTimeMs, "%RH"),
                ("pressure", 97224.53, Samples.DeviceTimeMs, "Pa"),
            ],
            result.Readings.Select(r => (r.Metric, r.Value, Ms(r)!.Value, r.Unit!)));
        Assert.All(result.Readings, r => Assert.Equal(Air("0024befffe804ff1"), r.Address));
    }

    [Fact]
    public void Air_quality_pack_is_stored_in_catalog_units_after_validation()
    {
        var result = Ingestor().Ingest(Samples.Message(AirQualityPack, "eco/s1/air/0024befffe804ff1"), new SubscriptionProfile { Format = "senml" });

        Assert.Equal("senml", result.Format);
        Assert.Empty(result.Rejections);
        Assert.Equal(0, result.ReceiveTimeStamped);
        var stored = result.Accepted.ToDictionary(r => (r.Metric, r.TimestampMs), r => r.Value);
        Assert.Equal(7, stored.Count);
        Assert.Equal(35.2, stored[("pm25", Samples.DeviceTimeMs)]);
        Assert.Equal(61, stored[("pm10", Samples.DeviceTimeMs)]);
        Assert.Equal(34.8, stored[("pm25", Samples.DeviceTimeMs - 60_000)]);
        Assert.Equal(21.5, stored[("temperature", Samples.DeviceTimeMs)]);
        Assert.Equal(53.6, stored[("humidity", Samples.DeviceTimeMs)]);
        Assert.Equal(972.2453, stored[("pressure", Samples.DeviceTimeMs)], 9);
        Assert.All(result.Accepted, r => Assert.Equal(("s1", "0024befffe804ff1", SensorKind.Air), (r.Site, r.Device, r.Kind)));
    }

    [Fact]
    public void Unit_that_cannot_be_converted_is_refused_by_validation_and_the_rest_is_stored()
    {
        var result = Ingestor().Ingest(
            Samples.Message("""[{"bn":"n1:","bt":1764316800,"n":"pressure","u":"lx","v":1000},{"n":"no2","u":"ppb","v":10}]"""),
            new SubscriptionProfile { Format = "senml" });

        var rejection = Assert.Single(result.Rejections);
        Assert.Equal((RejectionCodes.UnknownUnit, "pressure"), (rejection.Code, rejection.Metric));
        var no2 = Assert.Single(result.Accepted);
        Assert.Equal("no2", no2.Metric);
        Assert.Equal(18.81, no2.Value, 2);
    }

    // ---- Names, metrics and devices ----

    [Theory]
    [InlineData("urn:dev:ow:10e2073a01080063:", "temperature", "10e2073a01080063", "temperature")]
    [InlineData("urn:dev:mac:0024befffe804ff1:", "pm25", "0024befffe804ff1", "pm25")]
    [InlineData("urn:dev:org:32473-foo:", "pm25", "32473-foo", "pm25")]
    [InlineData("urn:dev:ops:32473-Refrigerator-5002:", "temperature", "32473-Refrigerator-5002", "temperature")]
    [InlineData("urn:dev:ow:10e2073a01080063:", "sensor/pm25", "sensor", "pm25")]
    [InlineData("site-1/node-7/", "pm25", "node-7", "pm25")]
    [InlineData("node_7.a", "/pm25", "node_7.a", "pm25")]
    [InlineData("node-7::", "pm25", "node-7", "pm25")]
    [InlineData("", "node-7:pm25", "node-7", "pm25")]
    [InlineData("urn:dev:ow:10e2073a01080063:pm25", "", "10e2073a01080063", "pm25")]
    [InlineData("2001:db8::2/", "temperature", "2", "temperature")]
    public void Device_is_the_last_segment_before_the_measurement_and_metric_the_part_after_the_last_separator(string bn, string n, string device, string metric)
    {
        var result = Decode($$$"""[{"bn":"{{{bn}}}","n":"{{{n}}}","v":1}]""");

        Assert.Empty(result.Rejections);
        var reading = Assert.Single(result.Readings);
        Assert.Equal((Air(device), metric), (reading.Address, reading.Metric));
    }

    [Fact]
    public void Name_without_a_separator_is_the_metric_and_the_topic_gives_the_device()
    {
        var result = Decode("""[{"n":"pm25","v":35.2}]""", Samples.Topic, DeviceTopic);

        Assert.Empty(result.Rejections);
        Assert.Equal(new DecodedReading(Air("n1"), "pm25", 35.2, null, null, 0, null), Assert.Single(result.Readings));
    }

    [Fact]
    public void Name_without_a_device_takes_the_subscriptions_fixed_device_and_a_named_device_overrides_it()
    {
        var profile = new SubscriptionProfile { Format = "senml", Topic = TopicPattern.Parse("gw/{site}/{kind}"), Device = "fixed-1" };

        var result = Decode("""[{"n":"pm25","v":1},{"n":"node-2:pm25","v":2}]""", Gateway, profile);

        Assert.Empty(result.Rejections);
        Assert.Equal(["fixed-1", "node-2"], result.Readings.Select(r => r.Address.Device));
    }

    [Fact]
    public void Name_without_a_device_on_a_topic_and_subscription_without_one_is_refused_alone()
    {
        var result = Decode("""[{"n":"pm25","v":1},{"n":"node-2:pm25","v":2}]""");

        var rejection = SingleRejection(result, RejectionCodes.BadTopic, 0);
        Assert.Contains("names no device", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal("node-2", Assert.Single(result.Readings).Address.Device);
    }

    [Fact]
    public void Device_in_the_name_must_agree_with_the_topic()
    {
        var result = Decode(
            """[{"bn":"urn:dev:ow:n1:","n":"pm25","v":1},{"bn":"urn:dev:ow:n2:","n":"pm25","v":2},{"bn":"","n":"pm10","v":3}]""",
            Samples.Topic,
            DeviceTopic);

        var rejection = SingleRejection(result, RejectionCodes.IdentityMismatch, 1);
        Assert.Contains("n2", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal([(0, "n1"), (2, "n1")], result.Readings.Select(r => (r.Record, r.Address.Device)));
    }

    [Fact]
    public void Device_names_are_case_sensitive_when_compared_with_the_topic()
    {
        var result = Decode("""[{"n":"N1:pm25","v":1}]""", Samples.Topic, DeviceTopic);

        SingleRejection(result, RejectionCodes.IdentityMismatch, 0);
    }

    [Fact]
    public void Field_map_applies_to_the_metric_part_of_the_name()
    {
        var profile = new SubscriptionProfile
        {
            Format = "senml",
            Topic = TopicPattern.Parse("gw/{site}/{kind}"),
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["pm2.5"] = "pm25", ["temp"] = "temperature" },
        };

        var result = Decode("""[{"bn":"urn:dev:ow:abc:","n":"pm2.5","v":1},{"n":"temp","v":2},{"n":"pm10","v":3}]""", Gateway, profile);

        Assert.Equal(["pm25", "temperature", "pm10"], result.Readings.Select(r => r.Metric));
    }

    [Theory]
    [InlineData("pm 25")]
    [InlineData("pm25#1")]
    [InlineData("pm2,5")]
    [InlineData("-pm25")]
    [InlineData("_pm25")]
    [InlineData(".pm25")]
    [InlineData(":pm25")]
    [InlineData("/pm25")]
    [InlineData("pm25\u00b5")]
    [InlineData("\u6e29\u5ea6")]
    [InlineData("node%201:pm25")]
    public void Name_with_characters_outside_the_senml_set_or_a_bad_first_character_is_refused_alone(string name)
    {
        var result = Decode($$$"""[{"n":"{{{name}}}","v":1},{"n":"n1:pm10","v":2}]""");

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape, 0);
        Assert.Contains("A-Z a-z 0-9", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(result.Readings).Record);
    }

    [Theory]
    [InlineData("""{"bn":"urn:dev:ow:10e2073a01080063:","v":1}""", "names no measurement")]
    [InlineData("""{"n":"node-1/","v":1}""", "names no measurement")]
    [InlineData("""{"n":"urn:dev:mac:0024befffe804ff1","v":1}""", "device URN without a measurement")]
    [InlineData("""{"bn":"URN:DEV:OW:10e2073a01080063","v":1}""", "device URN without a measurement")]
    [InlineData("""{"n":"site/_hidden/pm25","v":1}""", "does not match")]
    [InlineData("""{"n":"a-device-name-that-is-longer-than-sixty-four-characters-is-not-valid:pm25","v":1}""", "does not match")]
    [InlineData("""{"v":1}""", "no name")]
    [InlineData("""{"n":"","v":1}""", "no name")]
    public void Name_that_gives_no_measurement_or_no_valid_device_is_refused_alone(string record, string reason)
    {
        var result = Decode($$"""[{{record}},{"bn":"n1:","n":"pm10","v":2}]""");

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape, 0);
        Assert.Contains(reason, rejection.Reason, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(result.Readings).Record);
    }

    [Fact]
    public void Name_may_come_from_bn_alone()
    {
        var result = Decode("""[{"bn":"node-1:pm25","bt":1764316800,"v":1},{"t":60,"v":2}]""");

        Assert.Empty(result.Rejections);
        Assert.Equal([(Samples.DeviceTimeMs, 1d), (Samples.DeviceTimeMs + 60_000, 2d)], result.Readings.Select(r => (Ms(r)!.Value, r.Value)));
        Assert.All(result.Readings, r => Assert.Equal((Air("node-1"), "pm25"), (r.Address, r.Metric)));
    }

    [Fact]
    public void Names_are_compared_byte_by_byte_so_case_makes_different_metrics()
    {
        var result = Decode("""[{"n":"n1:pm25","v":1},{"n":"n1:PM25","v":2}]""");

        Assert.Empty(result.Rejections);
        Assert.Equal(["pm25", "PM25"], result.Readings.Select(r => r.Metric));
    }

    // ---- Base fields and their scope ----

    [Fact]
    public void Base_fields_apply_to_their_record_and_later_ones_until_a_record_sets_them_again()
    {
        var result = Decode("""
            [
              {"bn":"a:","bt":1764316800,"bu":"ug/m3","bv":100,"n":"pm25","v":1},
              {"n":"pm10","v":2},
              {"bn":"b:","n":"pm25","u":"mg/m3","v":0.5},
              {"bu":"Cel","bv":0,"n":"temperature","v":20},
              {"bt":1764316860,"n":"humidity","u":"%RH","v":50}
            ]
            """);

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [
                ("a", "pm25", 101d, "ug/m3", Samples.DeviceTimeMs),
                ("a", "pm10", 102d, "ug/m3", Samples.DeviceTimeMs),
                ("b", "pm25", 100.5, "mg/m3", Samples.DeviceTimeMs),
                ("b", "temperature", 20d, "Cel", Samples.DeviceTimeMs),
                ("b", "humidity", 50d, "%RH", Samples.DeviceTimeMs + 60_000),
            ],
            result.Readings.Select(r => (r.Address.Device, r.Metric, r.Value, r.Unit!, Ms(r)!.Value)));
    }

    [Fact]
    public void Record_without_u_or_bu_has_no_unit_so_the_value_is_taken_in_the_catalog_unit()
    {
        var result = Decode("""[{"n":"n1:pm25","v":1}]""");

        Assert.Null(Assert.Single(result.Readings).Unit);
    }

    [Theory]
    [InlineData("""{"bn":5}""", RejectionCodes.InvalidShape)]
    [InlineData("""{"bn":null}""", RejectionCodes.InvalidShape)]
    [InlineData("""{"bt":"2025-11-28T08:00:00Z"}""", RejectionCodes.InvalidTimestamp)]
    [InlineData("""{"bt":1e999}""", RejectionCodes.InvalidTimestamp)]
    [InlineData("""{"bu":1}""", RejectionCodes.InvalidShape)]
    [InlineData("""{"bu":""}""", RejectionCodes.InvalidShape)]
    [InlineData("""{"bv":"1"}""", RejectionCodes.ValueNotNumber)]
    [InlineData("""{"bv":1e999}""", RejectionCodes.ValueNotFinite)]
    [InlineData("""{"bs":true}""", RejectionCodes.InvalidShape)]
    [InlineData("""{"bn":"x:","bn":"y:"}""", RejectionCodes.InvalidShape)]
    public void Malformed_base_field_refuses_every_record_in_its_scope_until_it_is_set_again(string header, string code)
    {
        var label = header[2..header.IndexOf('"', 2)];
        var result = Decode($$"""
            [
              {"bn":"n1:","bt":1764316800,"bu":"ug/m3","n":"pm25","v":1},
              {{header}},
              {"n":"pm10","v":2},
              {"n":"pm1","v":3},
              {"{{label}}":{{(label is "bn" ? "\"n1:\"" : label is "bu" ? "\"ug/m3\"" : "0")}},"n":"no2","v":4}
            ]
            """);

        Assert.Equal([0, 4], result.Readings.Select(r => r.Record));
        AssertRejections(result, (code, 1), (code, 2), (code, 3));
        Assert.Contains("set in record 1", result.Rejections[2].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_base_field_on_a_measurement_record_refuses_that_record_too()
    {
        var result = Decode("""[{"bn":"n1:","bt":"now","n":"pm25","v":1},{"n":"pm10","v":2},{"bt":1764316800,"n":"pm1","v":3}]""");

        AssertRejections(result, (RejectionCodes.InvalidTimestamp, 0), (RejectionCodes.InvalidTimestamp, 1));
        Assert.Equal("pm1", Assert.Single(result.Readings).Metric);
    }

    // ---- Time ----

    [Theory]
    [InlineData("\"t\":0", ReceivedMs)]
    [InlineData("\"t\":-5", ReceivedMs - 5_000)]
    [InlineData("\"t\":-0.25", ReceivedMs - 250)]
    [InlineData("\"t\":1e-3", ReceivedMs + 1)]
    [InlineData("\"bt\":-60,\"t\":-5", ReceivedMs - 65_000)]
    [InlineData("\"bt\":0", ReceivedMs)]
    [InlineData("\"t\":-1764317100", 0L)]
    [InlineData("\"t\":1764316800", 1_764_316_800_000)]
    [InlineData("\"t\":1.7643168e+09", 1_764_316_800_000)]
    [InlineData("\"t\":1764316800.123", 1_764_316_800_123)]
    [InlineData("\"t\":1764316800.1239", 1_764_316_800_123)]
    [InlineData("\"bt\":1764316800,\"t\":-300", 1_764_316_500_000)]
    [InlineData("\"bt\":1764316800,\"t\":0.5", 1_764_316_800_500)]
    [InlineData("\"bt\":1.276020076001e+09", 1_276_020_076_001)]
    [InlineData("\"t\":268435456", 268_435_456_000)]
    [InlineData("\"bt\":268435455,\"t\":1", 268_435_456_000)]
    [InlineData("\"t\":268435455", ReceivedMs + 268_435_455_000)]
    [InlineData("\"t\":268435455.5", ReceivedMs + 268_435_455_500)]
    [InlineData("\"t\":1E+9", 1_000_000_000_000)]
    public void Time_is_bt_plus_t_relative_to_the_receive_time_below_2_pow_28_and_unix_seconds_from_there(string fields, long expectedMs)
    {
        var result = Decode($$$"""[{"n":"n1:pm25",{{{fields}}},"v":1}]""");

        Assert.Empty(result.Rejections);
        var timestamp = Assert.Single(result.Readings).Timestamp;
        Assert.NotNull(timestamp);
        Assert.Equal(expectedMs, timestamp.Value.ToUnixTimeMilliseconds());
        Assert.Equal(TimeSpan.Zero, timestamp.Value.Offset);
        Assert.Equal(0, timestamp.Value.UtcTicks % TimeSpan.TicksPerMillisecond);
    }

    [Fact]
    public void Smallest_absolute_time_is_1978_07_04()
    {
        var result = Decode("""[{"n":"n1:pm25","t":268435456,"v":1}]""");

        Assert.Equal(new DateTimeOffset(1978, 7, 4, 21, 24, 16, TimeSpan.Zero), Assert.Single(result.Readings).Timestamp);
    }

    [Fact]
    public void Record_with_neither_bt_nor_t_has_no_timestamp_so_the_missing_timestamp_policy_decides()
    {
        var result = Decode("""[{"n":"n1:pm25","v":1},{"n":"n1:pm10","ut":60,"v":2}]""");

        Assert.Empty(result.Rejections);
        Assert.All(result.Readings, r => Assert.Null(r.Timestamp));
    }

    [Theory]
    [InlineData("\"t\":\"2025-11-28T08:00:00Z\"")]
    [InlineData("\"t\":null")]
    [InlineData("\"t\":true")]
    [InlineData("\"t\":[0]")]
    [InlineData("\"t\":1e300")]
    [InlineData("\"t\":-1e300")]
    [InlineData("\"t\":1e999")]
    [InlineData("\"t\":3e11")]
    [InlineData("\"t\":-7e10")]
    [InlineData("\"bt\":1e308,\"t\":1e308")]
    public void Time_that_is_not_a_number_or_not_a_representable_date_refuses_the_record(string fields)
    {
        var result = Decode($$$"""[{"n":"n1:pm25",{{{fields}}},"v":1},{"n":"n1:pm10","bt":0,"t":0,"v":2}]""");

        var rejection = SingleRejection(result, RejectionCodes.InvalidTimestamp, 0);
        Assert.Equal("pm25", rejection.Metric);
        Assert.Equal(1, Assert.Single(result.Readings).Record);
    }

    [Fact]
    public void Relative_times_are_judged_by_validation_like_any_other_time()
    {
        var result = Ingestor().Ingest(
            Samples.Message("""[{"bn":"n1:","n":"pm25","t":-30,"v":10},{"n":"pm10","t":3600,"v":20}]"""),
            new SubscriptionProfile { Format = "senml" });

        Assert.Equal([("pm25", ReceivedMs - 30_000)], result.Accepted.Select(r => (r.Metric, r.TimestampMs)));
        Assert.Equal(RejectionCodes.TimestampInFuture, Assert.Single(result.Rejections).Code);
    }

    // ---- Values ----

    [Theory]
    [InlineData("\"v\":35.2", 35.2)]
    [InlineData("\"v\":-0", 0d)]
    [InlineData("\"v\":1e-999", 0d)]
    [InlineData("\"v\":3.52e1", 35.2)]
    [InlineData("\"v\":3.52E1", 35.2)]
    [InlineData("\"bv\":30,\"v\":5.2", 35.2)]
    [InlineData("\"bv\":-10,\"v\":10", 0d)]
    [InlineData("\"v\":35.2,\"s\":1000", 35.2)]
    [InlineData("\"bs\":5,\"v\":35.2,\"s\":1000", 35.2)]
    public void Value_is_bv_plus_v_and_a_sum_beside_it_is_ignored(string fields, double expected)
    {
        var result = Decode($$$"""[{"n":"n1:pm25",{{{fields}}}}]""");

        Assert.Empty(result.Rejections);
        Assert.Equal(expected, Assert.Single(result.Readings).Value, 12);
    }

    [Theory]
    [InlineData("\"v\":\"35.2\"")]
    [InlineData("\"v\":null")]
    [InlineData("\"v\":true")]
    [InlineData("\"v\":{\"value\":35.2}")]
    [InlineData("\"v\":[35.2]")]
    [InlineData("\"vs\":\"35.2\"")]
    [InlineData("\"vb\":true")]
    [InlineData("\"vd\":\"aGkgCg\"")]
    [InlineData("\"vs\":5")]
    [InlineData("\"s\":100")]
    [InlineData("\"bs\":1,\"s\":100")]
    public void Record_without_a_numeric_value_is_value_not_number_and_alone(string fields)
    {
        var result = Decode($$$"""[{"n":"n1:pm25",{{{fields}}}},{"n":"n1:pm10","v":2}]""");

        var rejection = SingleRejection(result, RejectionCodes.ValueNotNumber, 0);
        Assert.Equal("pm25", rejection.Metric);
        Assert.Equal("pm10", Assert.Single(result.Readings).Metric);
    }

    [Theory]
    [InlineData("\"v\":1e999")]
    [InlineData("\"v\":-1e999")]
    [InlineData("\"bv\":1e308,\"v\":1e308")]
    public void Value_that_overflows_a_double_is_value_not_finite(string fields)
    {
        var result = Decode($$$"""[{"n":"n1:pm25",{{{fields}}}},{"n":"n1:pm10","v":2}]""");

        Assert.Equal("pm25", SingleRejection(result, RejectionCodes.ValueNotFinite, 0).Metric);
        Assert.Single(result.Readings);
    }

    [Theory]
    [InlineData("\"v\":1,\"vs\":\"1\"", "more than one value field")]
    [InlineData("\"v\":1,\"vb\":true", "more than one value field")]
    [InlineData("\"vs\":\"a\",\"vd\":\"aGkgCg\"", "more than one value field")]
    [InlineData("\"u\":\"Cel\"", "no value")]
    [InlineData("\"t\":0", "no value")]
    [InlineData("\"v\":1,\"s\":\"100\"", "s must be a number")]
    [InlineData("\"v\":1,\"v\":2", "more than once")]
    [InlineData("\"v\":1,\"n\":\"n1:pm10\"", "more than once")]
    [InlineData("\"v\":1,\"u\":5", "u must be a string")]
    [InlineData("\"v\":1,\"u\":\"\"", "u is empty")]
    public void Record_whose_fields_break_the_rules_is_invalid_shape_and_alone(string fields, string reason)
    {
        var result = Decode($$$"""[{"n":"n1:pm25",{{{fields}}}},{"n":"n1:pm10","v":2}]""");

        Assert.Contains(reason, SingleRejection(result, RejectionCodes.InvalidShape, 0).Reason, StringComparison.Ordinal);
        Assert.Single(result.Readings);
    }

    [Fact]
    public void Name_that_is_not_a_string_is_invalid_shape()
    {
        var result = Decode("""[{"n":25,"v":1},{"n":"n1:pm10","v":2}]""");

        SingleRejection(result, RejectionCodes.InvalidShape, 0);
    }

    [Fact]
    public void Decoder_does_not_judge_metric_names_or_ranges()
    {
        var result = Decode("""[{"bn":"n1:","n":"pm25","v":-5},{"n":"made-up","v":1e300},{"n":"ph","v":7}]""");

        Assert.Empty(result.Rejections);
        Assert.Equal(3, result.Readings.Count);
    }

    // ---- Duplicates ----

    [Fact]
    public void Records_of_one_series_at_one_time_with_different_values_are_both_refused()
    {
        var result = Decode("""
            [
              {"bn":"n1:","bt":1764316800,"n":"pm25","v":35.2},
              {"n":"pm10","v":61},
              {"n":"pm25","v":40.1},
              {"n":"pm25","t":60,"v":41}
            ]
            """);

        AssertRejections(result, (RejectionCodes.DuplicateMetric, 0), (RejectionCodes.DuplicateMetric, 2));
        Assert.All(result.Rejections, r => Assert.Equal("pm25", r.Metric));
        Assert.Equal([1, 3], result.Readings.Select(r => r.Record));
    }

    [Fact]
    public void Untimed_records_of_one_series_with_different_values_conflict_too()
    {
        var result = Decode("""[{"n":"n1:pm25","v":1},{"n":"n1:pm25","v":2}]""");

        AssertRejections(result, (RejectionCodes.DuplicateMetric, 0), (RejectionCodes.DuplicateMetric, 1));
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Identical_copies_of_a_record_are_kept_for_the_store_to_deduplicate()
    {
        const string record = """{"bn":"n1:","bt":1764316800,"n":"pm25","v":35.2}""";

        var result = Decode($"[{record},{record}]");

        Assert.Empty(result.Rejections);
        Assert.Equal(2, result.Readings.Count);
    }

    [Fact]
    public void Same_metric_of_two_devices_at_one_time_is_no_conflict()
    {
        var result = Decode("""[{"bt":1764316800,"n":"a:pm25","v":1},{"n":"b:pm25","v":2}]""");

        Assert.Empty(result.Rejections);
        Assert.Equal(2, result.Readings.Count);
    }

    // ---- Pack-level rules: version, must-understand labels ----

    [Theory]
    [InlineData("""[{"bver":10,"n":"n1:pm25","v":1}]""")]
    [InlineData("""[{"bver":1e1,"n":"n1:pm25","v":1}]""")]
    [InlineData("""[{"bver":10.0,"n":"n1:pm25","v":1}]""")]
    [InlineData("""[{"bver":5,"n":"n1:pm25","v":1},{"n":"n1:pm10","v":2}]""")]
    [InlineData("""[{"bver":3,"n":"n1:pm25","v":1},{"bver":3,"n":"n1:pm10","v":2}]""")]
    [InlineData("""[{"n":"n1:pm25","v":1},{"bver":10,"n":"n1:pm10","v":2}]""")]
    public void Versions_up_to_10_shared_by_all_records_are_accepted(string json)
    {
        var result = Decode(json);

        Assert.Empty(result.Rejections);
        Assert.NotEmpty(result.Readings);
    }

    [Theory]
    [InlineData("""[{"bver":11,"n":"n1:pm25","v":1}]""")]
    [InlineData("""[{"n":"n1:pm25","v":1},{"bver":11,"n":"n1:pm10","v":2},{"bver":11,"n":"n1:pm1","v":3}]""")]
    [InlineData("""[{"bver":1e300,"n":"n1:pm25","v":1}]""")]
    public void Version_above_10_refuses_the_whole_pack(string json)
    {
        var result = Decode(json);

        var rejection = SingleRejection(result, RejectionCodes.UnknownFormat, null);
        Assert.Contains("version", rejection.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData("""[{"bver":5,"n":"n1:pm25","v":1},{"bver":10,"n":"n1:pm10","v":2}]""")]
    [InlineData("""[{"n":"n1:pm25","v":1},{"bver":5,"n":"n1:pm10","v":2}]""")]
    [InlineData("""[{"bver":0,"n":"n1:pm25","v":1}]""")]
    [InlineData("""[{"bver":-10,"n":"n1:pm25","v":1}]""")]
    [InlineData("""[{"bver":10.5,"n":"n1:pm25","v":1}]""")]
    [InlineData("""[{"bver":"10","n":"n1:pm25","v":1}]""")]
    [InlineData("""[{"bver":null,"n":"n1:pm25","v":1}]""")]
    [InlineData("""[{"bver":10,"bver":10,"n":"n1:pm25","v":1}]""")]
    public void Mixed_or_malformed_versions_refuse_the_whole_pack(string json)
    {
        var result = Decode(json);

        SingleRejection(result, RejectionCodes.InvalidShape, null);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData("""[{"n":"n1:pm25","v":1,"crit_":1}]""")]
    [InlineData("""[{"n":"n1:pm25","v":1},{"n":"n1:pm10","v":2,"_":true}]""")]
    [InlineData("""[{"bn":"n1:","bcrit_":"x"},{"n":"pm25","v":1}]""")]
    [InlineData("""[{"n":"n1:pm25","v":1},7,{"n":"n1:pm10","v":2,"x_":null}]""")]
    public void Label_ending_in_underscore_must_be_understood_so_the_whole_pack_is_refused(string json)
    {
        var result = Decode(json);

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape, null);
        Assert.Contains("_'", rejection.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Unknown_labels_not_ending_in_underscore_are_ignored()
    {
        var result = Decode("""
            [{"bn":"n1:","bext":{"a":[1]},"n":"pm25","v":1,"ut":300,"x_y":"z","_x":null,"N":"pm10","V":5,"quality":"good"}]
            """);

        Assert.Empty(result.Rejections);
        Assert.Equal(new DecodedReading(Air("n1"), "pm25", 1, null, null, 0, null), Assert.Single(result.Readings));
    }

    // ---- Pack shape, JSON and limits ----

    [Theory]
    [InlineData("""{"n":"n1:pm25","v":1}""", "an object")]
    [InlineData("42", "a number")]
    [InlineData("\"senml\"", "a string")]
    [InlineData("null", "null")]
    [InlineData("[]", "empty")]
    public void Pack_that_is_not_a_non_empty_array_is_invalid_shape(string json, string reason)
    {
        var result = Decode(json);

        Assert.Contains(reason, SingleRejection(result, RejectionCodes.InvalidShape, null).Reason, StringComparison.Ordinal);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Records_that_are_not_objects_or_empty_are_refused_each_with_its_index()
    {
        var result = Decode("""[1, "x", null, [], {}, {"n":"n1:pm25","v":1}]""");

        AssertRejections(
            result,
            (RejectionCodes.InvalidShape, 0),
            (RejectionCodes.InvalidShape, 1),
            (RejectionCodes.InvalidShape, 2),
            (RejectionCodes.InvalidShape, 3),
            (RejectionCodes.InvalidShape, 4));
        Assert.Equal(5, Assert.Single(result.Readings).Record);
    }

    [Fact]
    public void Pack_of_base_fields_only_is_invalid_shape()
    {
        var result = Decode("""[{"bn":"urn:dev:ow:10e2073a01080063:","bt":1764316800}]""");

        SingleRejection(result, RejectionCodes.InvalidShape, null);
    }

    [Theory]
    [InlineData("""[{"n":"n1:pm\ud800","v":1},{"n":"n1:pm10","v":2}]""")]
    [InlineData("""[{"n":"n1:pm25","u":"\udc00","v":1},{"n":"n1:pm10","v":2}]""")]
    public void Unpaired_surrogate_in_a_string_refuses_that_record_only(string json)
    {
        var result = Decode(json);

        SingleRejection(result, RejectionCodes.MalformedJson, 0);
        Assert.Equal(1, Assert.Single(result.Readings).Record);
    }

    [Fact]
    public void Unpaired_surrogate_in_bn_refuses_the_records_in_its_scope()
    {
        var result = Decode("""[{"bn":"n1\ud800:","n":"pm25","v":1},{"n":"pm10","v":2},{"bn":"n1:","n":"pm1","v":3}]""");

        AssertRejections(result, (RejectionCodes.MalformedJson, 0), (RejectionCodes.MalformedJson, 1));
        Assert.Equal(2, Assert.Single(result.Readings).Record);
    }

    [Fact]
    public void Unpaired_surrogate_in_a_label_refuses_the_pack_since_it_might_be_a_must_understand_label()
    {
        var result = Decode("""[{"n":"n1:pm25","v":1},{"n":"n1:pm10","v":2,"x\ud800":1}]""");

        SingleRejection(result, RejectionCodes.MalformedJson, null);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Unpaired_surrogate_in_an_ignored_string_value_is_harmless()
    {
        var result = Decode("""[{"n":"n1:pm25","v":1,"note":"\ud800"},{"n":"n1:label","vs":"\udc00"}]""");

        Assert.Single(result.Readings);
        Assert.Equal(RejectionCodes.ValueNotNumber, Assert.Single(result.Rejections).Code);
    }

    [Fact]
    public void Escaped_names_are_unescaped_before_the_rules_apply()
    {
        var result = Decode("""[{"n":"n1\u003apm\u0032\u0035","v":1}]""");

        var reading = Assert.Single(result.Readings);
        Assert.Equal(("n1", "pm25"), (reading.Address.Device, reading.Metric));
    }

    // ---- Topic ----

    [Fact]
    public void Topic_that_does_not_match_the_subscription_refuses_the_message_once()
    {
        var result = Decode("""[{"n":"n1:pm25","v":1},{"n":"n1:pm10","v":2}]""", "other/s1/air");

        SingleRejection(result, RejectionCodes.BadTopic, null);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Bad_kind_in_a_gateway_topic_refuses_the_message_once_not_per_record()
    {
        var result = Decode("""[{"n":"n1:pm25","v":1},{"n":"n2:pm10","v":2}]""", "gw/s1/sky");

        Assert.Contains("sky", SingleRejection(result, RejectionCodes.BadTopic, null).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_device_in_a_device_topic_refuses_the_message_once()
    {
        var result = Decode("""[{"n":"pm25","v":1},{"n":"pm10","v":2}]""", "eco/s1/air/-bad", DeviceTopic);

        SingleRejection(result, RejectionCodes.BadTopic, null);
    }
}
