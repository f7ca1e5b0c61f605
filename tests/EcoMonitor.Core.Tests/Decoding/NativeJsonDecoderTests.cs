using System.Globalization;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Readings;
using Xunit;
using static EcoMonitor.Core.Tests.Decoding.DecodeAssert;

namespace EcoMonitor.Core.Tests.Decoding;

public sealed class NativeJsonDecoderTests
{
    private static readonly SensorAddress S1AirN1 = new(SensorKind.Air, "s1", "n1");

    private readonly NativeJsonDecoder _decoder = new();

    private DecodeResult Decode(string json, string topic = Samples.Topic, DecoderLimits? limits = null) =>
        _decoder.Decode(new DecodeContext(Samples.Message(json, topic), SubscriptionProfile.Native, limits ?? new DecoderLimits()));

    [Fact]
    public void Format_is_native()
    {
        Assert.Equal("native", _decoder.Format);
        Assert.Equal(NativeJsonDecoder.FormatName, _decoder.Format);
    }

    [Fact]
    public void Single_object_yields_one_reading_per_metric_with_address_ts_seq_and_record_zero()
    {
        var result = Decode("""{"ts": "2025-11-28T08:00:00Z", "seq": 1842, "readings": {"pm25": 35.2, "pm10": 61.0}}""");

        Assert.Empty(result.Rejections);
        Assert.Equal(2, result.Readings.Count);
        Assert.Equal(new DecodedReading(S1AirN1, "pm25", 35.2, Samples.DeviceTime, 1842, 0), Single(result, "pm25"));
        Assert.Equal(new DecodedReading(S1AirN1, "pm10", 61.0, Samples.DeviceTime, 1842, 0), Single(result, "pm10"));
    }

    [Fact]
    public void Address_comes_from_the_topic()
    {
        var result = Decode("""{"ts": 1764316800000, "readings": {"ph": 7.1}}""", "eco/lake-3/water/buoy_2.a");

        var reading = Assert.Single(result.Readings);
        Assert.Equal(new SensorAddress(SensorKind.Water, "lake-3", "buoy_2.a"), reading.Address);
    }

    [Fact]
    public void Array_batch_decodes_every_record_with_its_own_ts_seq_and_index()
    {
        var result = Decode("""
            [
              {"ts": "2025-11-28T08:00:00Z", "seq": 1, "readings": {"pm25": 10}},
              {"ts": "2025-11-28T08:01:00Z", "seq": 2, "readings": {"pm25": 11, "pm10": 20}},
              {"ts": 1764316920000, "seq": 3, "readings": {"pm25": 12}}
            ]
            """);

        Assert.Empty(result.Rejections);
        Assert.Equal(4, result.Readings.Count);
        Assert.Equal(
            [
                ("pm25", 10d, Samples.DeviceTimeMs, 1L, 0),
                ("pm10", 20d, Samples.DeviceTimeMs + 60_000, 2L, 1),
                ("pm25", 11d, Samples.DeviceTimeMs + 60_000, 2L, 1),
                ("pm25", 12d, Samples.DeviceTimeMs + 120_000, 3L, 2),
            ],
            result.Readings
                .Select(r => (Metric: r.Metric, Value: r.Value, Ms: r.Timestamp!.Value.ToUnixTimeMilliseconds(), Seq: r.Seq!.Value, Record: r.Record))
                .OrderBy(r => r.Record).ThenBy(r => r.Metric, StringComparer.Ordinal).ThenBy(r => r.Value));
        Assert.All(result.Readings, r => Assert.Equal(S1AirN1, r.Address));
    }

    [Fact]
    public void Replay_batch_with_the_same_record_twice_keeps_both_copies_for_the_store_to_deduplicate()
    {
        const string record = """{"ts": "2025-11-28T08:00:00Z", "seq": 7, "readings": {"pm25": 35.2}}""";
        var result = Decode($"[{record},{record}]");

        Assert.Empty(result.Rejections);
        Assert.Equal([0, 1], result.Readings.Select(r => r.Record).Order());
        Assert.All(result.Readings, r => Assert.Equal(Samples.DeviceTime, r.Timestamp));
    }

    [Fact]
    public void Good_records_of_a_batch_survive_bad_ones_and_each_bad_record_is_refused_with_its_index()
    {
        var result = Decode("""
            [
              {"ts": "2025-11-28T08:00:00Z", "readings": {"pm25": 1}},
              42,
              {"ts": "2025-11-28T08:00:00", "readings": {"pm25": 2}},
              {"ts": "2025-11-28T08:02:00Z", "seq": -5, "readings": {"pm25": 3}},
              {"ts": "2025-11-28T08:03:00Z", "readings": "pm25=4"},
              {"ts": "2025-11-28T08:04:00Z", "readings": {"pm25": "5", "pm10": 6}},
              {"ts": "2025-11-28T08:05:00Z", "readings": {"pm25": 7}}
            ]
            """);

        Assert.Equal(
            [(0, "pm25", 1d), (5, "pm10", 6d), (6, "pm25", 7d)],
            result.Readings.Select(r => (r.Record, r.Metric, r.Value)).OrderBy(r => r.Record));
        Assert.Equal(
            [
                (RejectionCodes.InvalidShape, (int?)1, (string?)null),
                (RejectionCodes.InvalidTimestamp, 2, null),
                (RejectionCodes.InvalidShape, 3, null),
                (RejectionCodes.InvalidShape, 4, null),
                (RejectionCodes.ValueNotNumber, 5, "pm25"),
            ],
            result.Rejections.Select(r => (r.Code, r.Record, r.Metric)));
    }

    [Theory]
    [InlineData("\"2025-11-28T08:00:00Z\"", 1_764_316_800_000)]
    [InlineData("\"2025-11-28T16:00:00+08:00\"", 1_764_316_800_000)]
    [InlineData("\"2025-11-28T03:00:00-05:00\"", 1_764_316_800_000)]
    [InlineData("\"2025-11-28T08:00:00+00:00\"", 1_764_316_800_000)]
    [InlineData("\"2025-11-28T08:00:00-00:00\"", 1_764_316_800_000)]
    [InlineData("\"2025-11-28t08:00:00z\"", 1_764_316_800_000)]
    [InlineData("\"2025-11-28T08:00:00.5Z\"", 1_764_316_800_500)]
    [InlineData("\"2025-11-28T08:00:00.123Z\"", 1_764_316_800_123)]
    [InlineData("\"2025-11-28T08:00:00.123456789Z\"", 1_764_316_800_123)]
    [InlineData("\"2025-11-28T08:00:00.9999999Z\"", 1_764_316_800_999)]
    [InlineData("\"2025-11-28T16:00:00.987654+08:00\"", 1_764_316_800_987)]
    [InlineData("1764316800000", 1_764_316_800_000)]
    [InlineData("1764316800123", 1_764_316_800_123)]
    [InlineData("0", 0)]
    public void Ts_as_rfc3339_or_integer_unix_ms_is_read_to_the_millisecond(string ts, long expectedMs)
    {
        var result = Decode($$$"""{"ts": {{{ts}}}, "readings": {"pm25": 1}}""");

        Assert.Empty(result.Rejections);
        var reading = Assert.Single(result.Readings);
        Assert.NotNull(reading.Timestamp);
        Assert.Equal(expectedMs, reading.Timestamp.Value.ToUnixTimeMilliseconds());
        Assert.Equal(TimeSpan.Zero, reading.Timestamp.Value.Offset);
        Assert.Equal(0, reading.Timestamp.Value.UtcTicks % TimeSpan.TicksPerMillisecond);
    }

    [Fact]
    public void Missing_ts_yields_readings_without_timestamp_for_the_validator_to_judge()
    {
        var result = Decode("""{"seq": 3, "readings": {"pm25": 35.2}}""");

        Assert.Empty(result.Rejections);
        var reading = Assert.Single(result.Readings);
        Assert.Null(reading.Timestamp);
        Assert.Equal(3, reading.Seq);
    }

    [Theory]
    [InlineData("\"2025-11-28T08:00:00\"")]
    [InlineData("\"2025-11-28 08:00:00\"")]
    [InlineData("\"2025-11-28\"")]
    [InlineData("\"08:00:00Z\"")]
    [InlineData("\"2025-11-28T08:00Z\"")]
    [InlineData("\"2025-11-28T08:00:00+0800\"")]
    [InlineData("\"2025-11-28T08:00:00+08\"")]
    [InlineData("\"2025-11-28T08:00:00.Z\"")]
    [InlineData("\"2025-11-28T08:00:00 Z\"")]
    [InlineData("\" 2025-11-28T08:00:00Z\"")]
    [InlineData("\"2025-11-28T08:00:00Z \"")]
    [InlineData("\"2025-11-28T08:00:00Z\\n\"")]
    [InlineData("\"2025-13-01T00:00:00Z\"")]
    [InlineData("\"2025-02-29T00:00:00Z\"")]
    [InlineData("\"2025-11-28T24:00:00Z\"")]
    [InlineData("\"2025-11-28T08:60:00Z\"")]
    [InlineData("\"2025-11-28T08:00:00+24:00\"")]
    [InlineData("\"Fri, 28 Nov 2025 08:00:00 GMT\"")]
    [InlineData("\"1764316800000\"")]
    [InlineData("\"\"")]
    [InlineData("1764316800000.5")]
    [InlineData("1764316800000.0")]
    [InlineData("1.7643168e12")]
    [InlineData("-1e3")]
    [InlineData("99999999999999999999")]
    [InlineData("253402300800000")]
    [InlineData("-62135596800001")]
    [InlineData("true")]
    [InlineData("false")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("[1764316800000]")]
    public void Invalid_ts_refuses_the_whole_record_as_invalid_timestamp(string ts)
    {
        var result = Decode($$$"""[{"ts": 1764316800000, "readings": {"pm10": 1}}, {"ts": {{{ts}}}, "readings": {"pm25": 1, "pm10": 2}}]""");

        SingleRejection(result, RejectionCodes.InvalidTimestamp, 1);
        var survivor = Assert.Single(result.Readings);
        Assert.Equal(0, survivor.Record);
    }

    [Theory]
    [InlineData("\"2025-11-28T08:00:00Z\"", "\"2025-11-28T08:00:00.5Z\"", 1_764_316_800_500)]
    [InlineData("1764316800000", "1764316800001", 1_764_316_800_001)]
    public void Ts_given_twice_takes_the_last_one(string first, string second, long expectedMs)
    {
        var result = Decode($$$"""{"ts": {{{first}}}, "ts": {{{second}}}, "readings": {"pm25": 1}}""");

        Assert.Equal(expectedMs, Assert.Single(result.Readings).Timestamp!.Value.ToUnixTimeMilliseconds());
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1842", 1842L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void Valid_seq_is_carried_on_every_reading_of_the_record(string seq, long expected)
    {
        var result = Decode($$$"""{"ts": 1764316800000, "seq": {{{seq}}}, "readings": {"pm25": 1, "pm10": 2}}""");

        Assert.Empty(result.Rejections);
        Assert.Equal(2, result.Readings.Count);
        Assert.All(result.Readings, r => Assert.Equal(expected, r.Seq));
    }

    [Fact]
    public void Absent_seq_is_null()
    {
        var result = Decode("""{"ts": 1764316800000, "readings": {"pm25": 1}}""");

        Assert.Null(Assert.Single(result.Readings).Seq);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("-9223372036854775808")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("9223372036854775808")]
    [InlineData("\"12\"")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("[1]")]
    [InlineData("{}")]
    public void Negative_or_non_integer_seq_refuses_the_record_as_invalid_shape(string seq)
    {
        var result = Decode($$$"""[{"seq": {{{seq}}}, "ts": 1764316800000, "readings": {"pm25": 1}}, {"seq": 1, "readings": {"pm10": 1}}]""");

        SingleRejection(result, RejectionCodes.InvalidShape, 0);
        Assert.Equal(1, Assert.Single(result.Readings).Record);
    }

    [Fact]
    public void Missing_readings_is_invalid_shape()
    {
        var result = Decode("""{"ts": "2025-11-28T08:00:00Z", "seq": 1, "pm25": 35.2}""");

        SingleRejection(result, RejectionCodes.InvalidShape, 0);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"pm25\": 1}]")]
    [InlineData("\"pm25=1\"")]
    [InlineData("35.2")]
    [InlineData("true")]
    [InlineData("null")]
    public void Readings_that_is_not_an_object_is_invalid_shape(string readings)
    {
        var result = Decode($$$"""{"ts": 1764316800000, "readings": {{{readings}}}}""");

        SingleRejection(result, RejectionCodes.InvalidShape, 0);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Empty_readings_is_invalid_shape()
    {
        var result = Decode("""[{"ts": 1764316800000, "readings": {"pm25": 1}}, {"ts": 1764316800000, "readings": {}}]""");

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape, 1);
        Assert.Contains("empty", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal(0, Assert.Single(result.Readings).Record);
    }

    [Theory]
    [InlineData("\"35.2\"")]
    [InlineData("\"NaN\"")]
    [InlineData("true")]
    [InlineData("false")]
    [InlineData("null")]
    [InlineData("{\"value\": 35.2}")]
    [InlineData("[35.2]")]
    public void Non_number_value_refuses_that_reading_only(string value)
    {
        var result = Decode($$$"""{"ts": 1764316800000, "readings": {"pm25": {{{value}}}, "pm10": 61}}""");

        var rejection = SingleRejection(result, RejectionCodes.ValueNotNumber, 0);
        Assert.Equal("pm25", rejection.Metric);
        Assert.Null(rejection.Value);
        var reading = Assert.Single(result.Readings);
        Assert.Equal(("pm10", 61d), (reading.Metric, reading.Value));
    }

    [Fact]
    public void Record_whose_only_value_is_refused_is_not_also_reported_empty()
    {
        var result = Decode("""{"ts": 1764316800000, "readings": {"pm25": null}}""");

        SingleRejection(result, RejectionCodes.ValueNotNumber, 0);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData("1e999")]
    [InlineData("-1e999")]
    [InlineData("1.5E+400")]
    public void Number_that_overflows_a_double_is_value_not_finite(string value)
    {
        var result = Decode($$$"""{"ts": 1764316800000, "readings": {"pm25": {{{value}}}, "pm10": 61}}""");

        var rejection = SingleRejection(result, RejectionCodes.ValueNotFinite, 0);
        Assert.Equal("pm25", rejection.Metric);
        Assert.Contains(value, rejection.Reason, StringComparison.Ordinal);
        Assert.Equal("pm10", Assert.Single(result.Readings).Metric);
    }

    [Theory]
    [InlineData("1e-999", 0d)]
    [InlineData("-0", 0d)]
    [InlineData("-12.5", -12.5)]
    [InlineData("1E3", 1000d)]
    [InlineData("35.200000000000003", 35.2)]
    public void Number_forms_are_read_as_doubles(string literal, double expected)
    {
        var result = Decode($$$"""{"ts": 1764316800000, "readings": {"pm25": {{{literal}}}}}""");

        Assert.Empty(result.Rejections);
        Assert.Equal(expected, Assert.Single(result.Readings).Value);
    }

    [Fact]
    public void Duplicate_metric_drops_both_values_with_one_rejection()
    {
        var result = Decode("""{"ts": 1764316800000, "readings": {"pm25": 35.2, "pm10": 61, "pm25": 40.1}}""");

        var rejection = SingleRejection(result, RejectionCodes.DuplicateMetric, 0);
        Assert.Equal("pm25", rejection.Metric);
        var reading = Assert.Single(result.Readings);
        Assert.Equal(("pm10", 61d), (reading.Metric, reading.Value));
    }

    [Fact]
    public void Metric_repeated_three_times_is_still_one_rejection_and_not_an_empty_record()
    {
        var result = Decode("""{"ts": 1764316800000, "readings": {"pm25": 1, "pm25": 2, "pm25": 3}}""");

        Assert.Equal("pm25", SingleRejection(result, RejectionCodes.DuplicateMetric, 0).Metric);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(40)]
    public void Repeats_are_found_in_small_and_large_records_alike(int metrics)
    {
        // m3 three times, m1 twice, the others once; large records find repeats by a set.
        var keys = Enumerable.Range(0, metrics).Select(i => $"m{i}").Concat(["m3", "m1", "m3"]);
        var json = "{\"ts\": 1764316800000, \"readings\": {" + string.Join(", ", keys.Select((k, i) => $"\"{k}\": {i}")) + "}}";

        var result = Decode(json);

        Assert.Equal(["m1", "m3"], result.Rejections.Select(r => r.Metric).Order(StringComparer.Ordinal));
        Assert.All(result.Rejections, r => Assert.Equal(RejectionCodes.DuplicateMetric, r.Code));
        Assert.Equal(
            Enumerable.Range(0, metrics).Select(i => $"m{i}").Where(k => k is not ("m3" or "m1")).Order(StringComparer.Ordinal),
            result.Readings.Select(r => r.Metric).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Duplicate_metric_is_per_record_not_per_batch()
    {
        var result = Decode("""[{"ts": 1764316800000, "readings": {"pm25": 1}}, {"ts": 1764316860000, "readings": {"pm25": 2}}]""");

        Assert.Empty(result.Rejections);
        Assert.Equal(2, result.Readings.Count);
    }

    [Fact]
    public void Duplicate_of_a_refused_value_keeps_no_value()
    {
        var result = Decode("""{"ts": 1764316800000, "readings": {"pm25": "high", "pm25": 35.2, "pm10": 61}}""");

        Assert.DoesNotContain(result.Readings, r => r.Metric == "pm25");
        Assert.Equal("pm10", Assert.Single(result.Readings).Metric);
        Assert.Contains(result.Rejections, r => r.Code == RejectionCodes.ValueNotNumber && r.Metric == "pm25");
        Assert.All(result.Rejections, r => Assert.Equal(0, r.Record));
    }

    [Fact]
    public void Metric_names_are_case_sensitive_so_differently_cased_keys_are_not_duplicates()
    {
        var result = Decode("""{"ts": 1764316800000, "readings": {"pm25": 1, "PM25": 2}}""");

        Assert.Empty(result.Rejections);
        Assert.Equal(["PM25", "pm25"], result.Readings.Select(r => r.Metric).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Unknown_top_level_keys_are_ignored()
    {
        var result = Decode("""
            {"fw": "1.4.2", "rssi": -71, "battery": {"v": 3.7, "cells": [1, 2]}, "ok": true, "note": null,
             "ts": "2025-11-28T08:00:00Z", "readings": {"pm25": 35.2}, "tz": "Asia/Shanghai"}
            """);

        Assert.Empty(result.Rejections);
        Assert.Equal(new DecodedReading(S1AirN1, "pm25", 35.2, Samples.DeviceTime, null, 0), Assert.Single(result.Readings));
    }

    [Fact]
    public void Decoder_does_not_judge_metric_names_or_ranges()
    {
        var result = Decode("""{"ts": 1764316800000, "readings": {"ph": 7, "pm25": -5, "made-up": 1e300}}""");

        Assert.Empty(result.Rejections);
        Assert.Equal(3, result.Readings.Count);
    }

    [Fact]
    public void Unpaired_surrogate_escape_in_a_metric_name_refuses_that_record_only_without_throwing()
    {
        var result = Decode("""[{"ts": 1764316800000, "readings": {"pm25": 1}}, {"ts": 1764316800000, "readings": {"pm10": 2, "\ud800": 3}}]""");

        Assert.Equal(0, Assert.Single(result.Readings).Record);
        var rejection = SingleRejection(result, RejectionCodes.MalformedJson, 1);
        Assert.Null(rejection.Metric);
    }

    [Fact]
    public void Unpaired_surrogate_escape_in_ts_refuses_that_record_only_without_throwing()
    {
        var result = Decode("""[{"ts": "2025-11-28T08:00:00\udc00Z", "readings": {"pm25": 1}}, {"ts": 1764316800000, "readings": {"pm10": 2}}]""");

        Assert.Equal(1, Assert.Single(result.Readings).Record);
        SingleRejection(result, RejectionCodes.MalformedJson, 0);
    }

    [Fact]
    public void Unpaired_surrogate_record_is_reported_once_even_after_other_refusals_in_it()
    {
        var result = Decode("""{"ts": 1764316800000, "readings": {"pm25": "x", "pm10": 1, "pm10": 2, "\ud800x": 3}}""");

        SingleRejection(result, RejectionCodes.MalformedJson, 0);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Paired_surrogate_escape_is_ordinary_text()
    {
        var result = Decode("""{"ts": 1764316800000, "fw": "\ud83c\udf32", "readings": {"pm25": 1}}""");

        Assert.Empty(result.Rejections);
        Assert.Single(result.Readings);
    }

    [Fact]
    public void Escaped_metric_names_are_unescaped()
    {
        var result = Decode("""{"ts": 1764316800000, "readings": {"pm\u0032\u0035": 35.2}}""");

        Assert.Equal("pm25", Assert.Single(result.Readings).Metric);
    }

    [Theory]
    [InlineData("42", "a number")]
    [InlineData("-1.5", "a number")]
    [InlineData("\"pm25=35.2\"", "a string")]
    [InlineData("true", "a boolean")]
    [InlineData("false", "a boolean")]
    [InlineData("null", "null")]
    public void Root_that_is_not_an_object_or_array_is_invalid_shape(string payload, string described)
    {
        var result = Decode(payload);

        var rejection = SingleRejection(result, RejectionCodes.InvalidShape, null);
        Assert.Contains(described, rejection.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData(" [ ] ")]
    public void Empty_batch_array_is_invalid_shape(string payload)
    {
        var result = Decode(payload);

        SingleRejection(result, RejectionCodes.InvalidShape, null);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("[\"a\", null]")]
    [InlineData("[[{\"readings\": {\"pm25\": 1}}], {}]")]
    public void Batch_elements_that_are_not_objects_are_refused_each_with_its_index(string payload)
    {
        var result = Decode(payload);

        Assert.Equal([0, 1], result.Rejections.Select(r => r.Record!.Value));
        Assert.All(result.Rejections, r => Assert.Equal(RejectionCodes.InvalidShape, r.Code));
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Too_many_readings_with_the_default_limit()
    {
        var limit = new DecoderLimits().MaxReadingsPerMessage;
        var records = Enumerable.Range(0, limit + 1)
            .Select(i => string.Create(CultureInfo.InvariantCulture, $$$"""{"ts": {{{Samples.DeviceTimeMs + i}}}, "readings": {"pm25": {{{i}}}}}"""));

        var result = Decode("[" + string.Join(',', records) + "]");

        SingleRejection(result, RejectionCodes.TooManyReadings, null);
        Assert.Empty(result.Readings);
    }

    [Theory]
    [InlineData("")]
    [InlineData("eco")]
    [InlineData("eco/s1/air")]
    [InlineData("eco/s1/air/n1/status")]
    [InlineData("eco/s1/air/n1/")]
    [InlineData("/eco/s1/air/n1")]
    [InlineData("eco/s1/air/n1/extra/levels")]
    [InlineData("xyz/s1/air/n1")]
    [InlineData("ECO/s1/air/n1")]
    [InlineData("v3/app@tenant/devices/n1/up")]
    [InlineData("eco/s1/Air/n1")]
    [InlineData("eco/s1/AIR/n1")]
    [InlineData("eco/s1/noise/n1")]
    [InlineData("eco/s1/+/n1")]
    [InlineData("eco/s1//n1")]
    [InlineData("eco//air/n1")]
    [InlineData("eco/s1/air/")]
    [InlineData("eco/s 1/air/n1")]
    [InlineData("eco/_s1/air/n1")]
    [InlineData("eco/.s1/air/n1")]
    [InlineData("eco/s1/air/-n1")]
    [InlineData("eco/s1/air/n1+")]
    [InlineData("eco/s1/air/n#1")]
    [InlineData("eco/s1/air/n,1")]
    [InlineData("eco/s1/air/n=1")]
    [InlineData("eco/s1/air/n\\1")]
    [InlineData("eco/s1/air/n\u00f61")]
    [InlineData("eco/s1/air/n1\n")]
    [InlineData("eco/s1\n/air/n1")]
    [InlineData("eco/s1/air/\nn1")]
    public void Bad_topic_refuses_the_message_before_the_payload_is_read(string topic)
    {
        var result = Decode("""{"ts": 1764316800000, "readings": {"pm25": 1}}""", topic);

        SingleRejection(result, RejectionCodes.BadTopic, null);
        Assert.Empty(result.Readings);
    }

    [Fact]
    public void Bad_topic_wins_over_malformed_payload()
    {
        var result = Decode("not json", "eco/s1/air");

        SingleRejection(result, RejectionCodes.BadTopic, null);
    }

    [Fact]
    public void Site_or_device_of_65_characters_is_a_bad_topic_and_64_is_fine()
    {
        var id64 = "a" + new string('b', 63);
        var id65 = id64 + "c";
        const string payload = """{"ts": 1764316800000, "readings": {"pm25": 1}}""";

        Assert.Equal(id64, Assert.Single(Decode(payload, $"eco/{id64}/air/{id64}").Readings).Address.Device);
        SingleRejection(Decode(payload, $"eco/s1/air/{id65}"), RejectionCodes.BadTopic, null);
        SingleRejection(Decode(payload, $"eco/{id65}/air/n1"), RejectionCodes.BadTopic, null);
    }
}
