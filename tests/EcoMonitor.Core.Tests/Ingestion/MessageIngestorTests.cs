using System.Text;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;
using Xunit;

namespace EcoMonitor.Core.Tests.Ingestion;

public sealed class MessageIngestorTests
{
    private static MessageIngestor Ingestor(ValidationOptions? options = null, DecoderLimits? limits = null, PayloadFormats? formats = null) =>
        new(formats ?? PayloadFormats.Default, new ReadingValidator(MetricCatalog.Default, options ?? new ValidationOptions()), limits ?? new DecoderLimits());

    private static Rejection SingleRejection(IngestResult result, string code)
    {
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(code, rejection.Code);
        return rejection;
    }

    [Fact]
    public void Good_native_message_is_accepted_whole()
    {
        var result = Ingestor().Ingest(
            Samples.Message("""{"ts": "2025-11-28T08:00:00Z", "seq": 1842, "readings": {"pm25": 35.2, "pm10": 61.0}}"""),
            Samples.Profile("native"));

        Assert.Equal("native", result.Format);
        Assert.Empty(result.Rejections);
        Assert.False(result.WhollyRejected);
        Assert.Equal(0, result.ReceiveTimeStamped);
        Assert.Equal(
            [
                new Reading(SensorKind.Air, "s1", "n1", "pm10", 61, Samples.DeviceTimeMs, 1842),
                new Reading(SensorKind.Air, "s1", "n1", "pm25", 35.2, Samples.DeviceTimeMs, 1842),
            ],
            result.Accepted.OrderBy(r => r.Metric, StringComparer.Ordinal));
    }

    [Fact]
    public void Payload_over_the_limit_is_refused_before_decoding()
    {
        var limits = new DecoderLimits { MaxPayloadBytes = 64 };
        var json = """{"ts": 1764316800000, "readings": {"pm25": 1}}""";
        var payload = Encoding.UTF8.GetBytes(json.PadRight(65));

        var result = Ingestor(limits: limits).Ingest(Samples.Message(payload), Samples.Profile("native"));

        var rejection = SingleRejection(result, RejectionCodes.PayloadTooLarge);
        Assert.Contains("65", rejection.Reason, StringComparison.Ordinal);
        Assert.Contains("64", rejection.Reason, StringComparison.Ordinal);
        Assert.Null(rejection.Record);
        Assert.Empty(result.Accepted);
        Assert.True(result.WhollyRejected);
    }

    [Fact]
    public void Payload_exactly_at_the_limit_is_decoded()
    {
        var limits = new DecoderLimits { MaxPayloadBytes = 64 };
        var payload = Encoding.UTF8.GetBytes("""{"ts": 1764316800000, "readings": {"pm25": 1}}""".PadRight(64));

        var result = Ingestor(limits: limits).Ingest(Samples.Message(payload), Samples.Profile("native"));

        Assert.Empty(result.Rejections);
        Assert.Single(result.Accepted);
    }

    [Fact]
    public void Payload_limit_counts_bytes_not_characters()
    {
        // 'µ' is two bytes in UTF-8: the string is 63 characters but 64 bytes.
        var json = """{"ts": 1764316800000, "readings": {"pm25": 1}, "u": "µ"}""".PadRight(63);
        Assert.Equal(64, Encoding.UTF8.GetByteCount(json));

        var result = Ingestor(limits: new DecoderLimits { MaxPayloadBytes = 63 }).Ingest(Samples.Message(json), Samples.Profile("native"));

        SingleRejection(result, RejectionCodes.PayloadTooLarge);
    }

    [Fact]
    public void Oversized_payload_with_a_bad_topic_is_still_payload_too_large()
    {
        var limits = new DecoderLimits { MaxPayloadBytes = 8 };

        var result = Ingestor(limits: limits).Ingest(Samples.Message("[1, 2, 3, 4, 5]", "not/a/topic"), Samples.Profile("native"));

        SingleRejection(result, RejectionCodes.PayloadTooLarge);
    }

    [Theory]
    [InlineData("protobuf")]
    [InlineData("lorawan")]
    [InlineData("json")]
    [InlineData("")]
    [InlineData("native ")]
    public void Unknown_format_is_refused_and_the_known_ones_are_named(string format)
    {
        var result = Ingestor().Ingest(Samples.Message("""{"ts": 1764316800000, "readings": {"pm25": 1}}"""), Samples.Profile(format));

        var rejection = SingleRejection(result, RejectionCodes.UnknownFormat);
        Assert.Contains("native", rejection.Reason, StringComparison.Ordinal);
        Assert.Contains("auto", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal(format, result.Format);
        Assert.Empty(result.Accepted);
        Assert.True(result.WhollyRejected);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("AUTO")]
    [InlineData("native")]
    [InlineData("Native")]
    public void Auto_and_format_names_resolve_case_insensitively_to_native(string format)
    {
        var result = Ingestor().Ingest(Samples.Message("""{"ts": 1764316800000, "readings": {"pm25": 1}}"""), Samples.Profile(format));

        Assert.Equal(NativeJsonDecoder.FormatName, result.Format);
        Assert.Empty(result.Rejections);
        Assert.Single(result.Accepted);
    }

    [Fact]
    public void Decoder_and_validator_rejections_are_both_reported_and_good_readings_accepted()
    {
        var result = Ingestor().Ingest(
            Samples.Message("""
                {"ts": "2025-11-28T08:00:00Z", "readings": {"pm25": 35.2, "pm10": 5000, "ph": 7, "co": "high", "no2": 40, "no2": 41}}
                """),
            Samples.Profile("auto"));

        Assert.False(result.WhollyRejected);
        var accepted = Assert.Single(result.Accepted);
        Assert.Equal(new Reading(SensorKind.Air, "s1", "n1", "pm25", 35.2, Samples.DeviceTimeMs), accepted);
        Assert.Equal(
            [
                (RejectionCodes.DuplicateMetric, "no2"),
                (RejectionCodes.OutOfRange, "pm10"),
                (RejectionCodes.UnknownMetric, "ph"),
                (RejectionCodes.ValueNotNumber, "co"),
            ],
            result.Rejections.Select(r => (r.Code, r.Metric!)).OrderBy(r => r.Code, StringComparer.Ordinal));
        Assert.All(result.Rejections, r => Assert.Equal(0, r.Record));
    }

    [Fact]
    public void Overflowing_number_is_value_not_finite_and_carries_no_value()
    {
        var result = Ingestor().Ingest(Samples.Message("""{"ts": 1764316800000, "readings": {"pm25": 1e999, "pm10": 2}}"""), Samples.Profile("native"));

        Assert.Equal("pm10", Assert.Single(result.Accepted).Metric);
        var rejection = SingleRejection(result, RejectionCodes.ValueNotFinite);
        Assert.Equal(("pm25", (double?)null, (int?)0), (rejection.Metric, rejection.Value, rejection.Record));
    }

    [Fact]
    public void Payload_that_is_not_utf8_is_wholly_rejected_not_thrown()
    {
        var payload = new byte[] { (byte)'{', 0xC0, 0xAF, (byte)'}' };

        var result = Ingestor().Ingest(Samples.Message(payload), Samples.Profile("native"));

        SingleRejection(result, RejectionCodes.MalformedJson);
        Assert.True(result.WhollyRejected);
    }

    [Fact]
    public void Batch_with_bad_records_accepts_the_good_ones_and_names_the_bad_records()
    {
        var result = Ingestor().Ingest(
            Samples.Message("""
                [
                  {"ts": "2025-11-28T08:00:00Z", "seq": 1, "readings": {"pm25": 10}},
                  {"ts": "yesterday", "seq": 2, "readings": {"pm25": 11}},
                  {"ts": "2030-01-01T00:00:00Z", "seq": 3, "readings": {"pm25": 12}},
                  {"ts": "2020-01-01T00:00:00Z", "seq": 4, "readings": {"pm25": 13}},
                  {"ts": "2025-11-28T08:01:00Z", "seq": 5, "readings": {"pm25": 14}}
                ]
                """),
            Samples.Profile("native"));

        Assert.Equal([1L, 5L], result.Accepted.Select(r => r.Seq!.Value).Order());
        Assert.Equal(
            [(RejectionCodes.InvalidTimestamp, 1), (RejectionCodes.TimestampInFuture, 2), (RejectionCodes.TimestampTooOld, 3)],
            result.Rejections.Select(r => (r.Code, r.Record!.Value)).OrderBy(r => r.Item2));
        Assert.False(result.WhollyRejected);
    }

    [Fact]
    public void Readings_without_ts_are_counted_when_stamped_with_the_receive_time()
    {
        var options = new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime };
        var receivedAt = Samples.ReceivedAt.AddTicks(5_000);

        var result = Ingestor(options).Ingest(
            Samples.Message(
                """
                [
                  {"readings": {"pm25": 1, "pm10": 2}},
                  {"ts": "2025-11-28T08:00:00Z", "readings": {"pm25": 3}},
                  {"readings": {"pm25": -1, "co2": 400}}
                ]
                """,
                receivedAt: receivedAt),
            Samples.Profile("native"));

        Assert.Equal(3, result.ReceiveTimeStamped);
        Assert.Equal(4, result.Accepted.Count);
        Assert.Equal(3, result.Accepted.Count(r => r.TimestampMs == Samples.ReceivedAt.ToUnixTimeMilliseconds()));
        Assert.Equal(Samples.DeviceTimeMs, Assert.Single(result.Accepted, r => r.Value == 3).TimestampMs);
        Assert.Equal(RejectionCodes.OutOfRange, Assert.Single(result.Rejections).Code);
    }

    [Fact]
    public void Readings_without_ts_are_refused_and_not_counted_under_the_reject_policy()
    {
        var result = Ingestor().Ingest(
            Samples.Message("""[{"readings": {"pm25": 1, "pm10": 2}}, {"ts": 1764316800000, "readings": {"pm25": 3}}]"""),
            Samples.Profile("native"));

        Assert.Equal(0, result.ReceiveTimeStamped);
        Assert.Equal(3d, Assert.Single(result.Accepted).Value);
        Assert.Equal(2, result.Rejections.Count);
        Assert.All(result.Rejections, r => Assert.Equal((RejectionCodes.MissingTimestamp, (int?)0), (r.Code, r.Record)));
    }

    [Fact]
    public void Message_whose_every_reading_is_refused_is_wholly_rejected()
    {
        var result = Ingestor().Ingest(
            Samples.Message("""{"ts": "2025-11-28T08:00:00Z", "readings": {"ph": 7, "pm25": 1001}}"""),
            Samples.Profile("native"));

        Assert.Empty(result.Accepted);
        Assert.Equal(2, result.Rejections.Count);
        Assert.True(result.WhollyRejected);
    }

    [Theory]
    [InlineData("eco/s1/air", "{\"readings\": {\"pm25\": 1}}", RejectionCodes.BadTopic)]
    [InlineData(Samples.Topic, "{\"readings\": ", RejectionCodes.MalformedJson)]
    [InlineData(Samples.Topic, "[]", RejectionCodes.InvalidShape)]
    [InlineData(Samples.Topic, "{\"ts\": 1764316800000, \"readings\": {}}", RejectionCodes.InvalidShape)]
    public void Message_refused_by_the_decoder_is_wholly_rejected(string topic, string payload, string code)
    {
        var result = Ingestor().Ingest(Samples.Message(payload, topic), Samples.Profile("native"));

        SingleRejection(result, code);
        Assert.Empty(result.Accepted);
        Assert.True(result.WhollyRejected);
    }

    [Fact]
    public void One_accepted_reading_means_not_wholly_rejected()
    {
        var result = Ingestor().Ingest(
            Samples.Message("""{"ts": "2025-11-28T08:00:00Z", "readings": {"ph": 7, "pm25": 1000}}"""),
            Samples.Profile("native"));

        Assert.Single(result.Accepted);
        Assert.Single(result.Rejections);
        Assert.False(result.WhollyRejected);
    }

    [Fact]
    public void Wholly_rejected_needs_a_rejection()
    {
        Assert.False(new IngestResult("native", [], [], 0).WhollyRejected);
        Assert.True(new IngestResult("native", [], [new Rejection(RejectionCodes.BadTopic, "x")], 0).WhollyRejected);
    }

    [Fact]
    public void Water_topic_is_validated_against_the_water_catalog()
    {
        var result = Ingestor().Ingest(
            Samples.Message("""{"ts": 1764316800000, "readings": {"ph": 7.2, "do": 8.1, "pm25": 3, "temperature": 51}}""", "eco/lake/water/b1"),
            Samples.Profile("native"));

        Assert.Equal(["do", "ph"], result.Accepted.Select(r => r.Metric).Order(StringComparer.Ordinal));
        Assert.All(result.Accepted, r => Assert.Equal((SensorKind.Water, "lake", "b1"), (r.Kind, r.Site, r.Device)));
        Assert.Equal(
            [(RejectionCodes.OutOfRange, "temperature"), (RejectionCodes.UnknownMetric, "pm25")],
            result.Rejections.Select(r => (r.Code, r.Metric!)).OrderBy(r => r.Code, StringComparer.Ordinal));
    }

    [Fact]
    public void Formats_registry_knows_native_and_auto_detects_it()
    {
        Assert.Contains("native", PayloadFormats.Default.Names);
        Assert.True(PayloadFormats.Default.IsKnown("auto"));
        Assert.False(PayloadFormats.Default.IsKnown("protobuf"));
        var context = new DecodeContext(Samples.Message("""{"ts": 1764316800000, "readings": {"pm25": 1}}"""), Samples.Profile("auto"), new DecoderLimits());
        Assert.Equal("native", PayloadFormats.Default.Detect(context));
    }

    [Fact]
    public void Null_message_is_an_argument_error()
    {
        Assert.Throws<ArgumentNullException>(() => Ingestor().Ingest(null!, Samples.Profile("native")));
    }

    [Fact]
    public void Readings_of_a_format_without_device_time_are_counted_as_stamped_at_receipt()
    {
        var profile = new SubscriptionProfile { Format = "sensor-community", Topic = TopicPattern.Parse("airrohr/{site}"), Kind = SensorKind.Air };
        var payload = """{"esp8266id": "12345678", "sensordatavalues":[{"value_type":"SDS_P1","value":"26.83"},{"value_type":"SDS_P2","value":"22.60"}]}""";

        var result = Ingestor().Ingest(Samples.Message(payload, "airrohr/s1"), profile);

        Assert.Equal(2, result.Accepted.Count);
        Assert.Equal(2, result.ReceiveTimeStamped);
        Assert.All(result.Accepted, r => Assert.Equal(Samples.ReceivedAt.ToUnixTimeMilliseconds(), r.TimestampMs));
    }
}
