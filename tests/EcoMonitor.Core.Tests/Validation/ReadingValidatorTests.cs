using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;
using Xunit;

namespace EcoMonitor.Core.Tests.Validation;

public sealed class ReadingValidatorTests
{
    private static readonly DateTimeOffset ReceivedAt = Samples.ReceivedAt;

    private static DecodedReading Decoded(
        string metric = "pm25",
        double value = 35.2,
        DateTimeOffset? ts = null,
        SensorKind kind = SensorKind.Air,
        long? seq = null,
        int record = 0,
        bool noTimestamp = false) =>
        new(new SensorAddress(kind, "s1", "n1"), metric, value, noTimestamp ? null : ts ?? Samples.DeviceTime, seq, record);

    private static ReadingValidator Validator(ValidationOptions? options = null, MetricCatalog? catalog = null) =>
        new(catalog ?? MetricCatalog.Default, options ?? new ValidationOptions());

    private static Reading Accept(DecodedReading decoded, ValidationOptions? options = null, DateTimeOffset? receivedAt = null)
    {
        var ok = Validator(options).TryValidate(decoded, receivedAt ?? ReceivedAt, out var reading, out var rejection);
        Assert.True(ok, rejection?.ToString());
        Assert.NotNull(reading);
        return reading;
    }

    private static Rejection Refuse(DecodedReading decoded, string code, ValidationOptions? options = null, DateTimeOffset? receivedAt = null)
    {
        var ok = Validator(options).TryValidate(decoded, receivedAt ?? ReceivedAt, out _, out var rejection);
        Assert.False(ok);
        Assert.NotNull(rejection);
        Assert.Equal(code, rejection.Code);
        Assert.Equal(decoded.Record, rejection.Record);
        Assert.Equal(decoded.Metric, rejection.Metric);
        Assert.False(string.IsNullOrWhiteSpace(rejection.Reason));
        return rejection;
    }

    [Fact]
    public void Valid_reading_becomes_a_reading_with_address_value_ms_time_and_seq()
    {
        var reading = Accept(Decoded("pm25", 35.2, Samples.DeviceTime.AddMilliseconds(123), seq: 1842));

        Assert.Equal(new Reading(SensorKind.Air, "s1", "n1", "pm25", 35.2, Samples.DeviceTimeMs + 123, 1842), reading);
    }

    [Fact]
    public void Defaults_are_five_minutes_skew_366_days_age_and_refusing_missing_ts()
    {
        var options = new ValidationOptions();

        Assert.Equal(TimeSpan.FromMinutes(5), options.MaxFutureSkew);
        Assert.Equal(TimeSpan.FromDays(366), options.MaxAge);
        Assert.Equal(MissingTimestampPolicy.Reject, options.MissingTimestamp);
    }

    [Theory]
    [InlineData(SensorKind.Air, "ph")]
    [InlineData(SensorKind.Air, "do")]
    [InlineData(SensorKind.Air, "moisture")]
    [InlineData(SensorKind.Air, "PM25")]
    [InlineData(SensorKind.Air, "pm2.5")]
    [InlineData(SensorKind.Air, " pm25")]
    [InlineData(SensorKind.Air, "")]
    [InlineData(SensorKind.Water, "pm25")]
    [InlineData(SensorKind.Water, "moisture")]
    [InlineData(SensorKind.Soil, "do")]
    [InlineData(SensorKind.Soil, "humidity")]
    public void Metric_not_in_the_catalog_for_the_kind_is_unknown_metric(SensorKind kind, string metric)
    {
        var rejection = Refuse(Decoded(metric, 7, kind: kind, record: 3), RejectionCodes.UnknownMetric);

        Assert.Equal(7d, rejection.Value);
        Assert.Contains(kind.ToName(), rejection.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SensorKind.Water)]
    [InlineData(SensorKind.Soil)]
    public void Ph_is_a_water_and_soil_metric(SensorKind kind)
    {
        Assert.Equal("ph", Accept(Decoded("ph", 7.1, kind: kind)).Metric);
    }

    [Theory]
    [InlineData(SensorKind.Air, "pm25", 0d, 1000d)]
    [InlineData(SensorKind.Air, "o3", 0d, 5000d)]
    [InlineData(SensorKind.Air, "co", 0d, 200d)]
    [InlineData(SensorKind.Air, "temperature", -40d, 85d)]
    [InlineData(SensorKind.Air, "pressure", 300d, 1100d)]
    [InlineData(SensorKind.Water, "temperature", -5d, 50d)]
    [InlineData(SensorKind.Water, "orp", -2000d, 2000d)]
    [InlineData(SensorKind.Water, "ph", 0d, 14d)]
    [InlineData(SensorKind.Water, "conductivity", 0d, 200000d)]
    [InlineData(SensorKind.Soil, "temperature", -40d, 80d)]
    [InlineData(SensorKind.Soil, "pb", 0d, 10000d)]
    public void Range_is_inclusive_at_both_bounds(SensorKind kind, string metric, double min, double max)
    {
        Assert.Equal(min, Accept(Decoded(metric, min, kind: kind)).Value);
        Assert.Equal(max, Accept(Decoded(metric, max, kind: kind)).Value);
        Assert.Equal((min + max) / 2, Accept(Decoded(metric, (min + max) / 2, kind: kind)).Value);
    }

    [Theory]
    [InlineData(SensorKind.Air, "pm25", 0d, 1000d)]
    [InlineData(SensorKind.Air, "o3", 0d, 5000d)]
    [InlineData(SensorKind.Air, "co", 0d, 200d)]
    [InlineData(SensorKind.Air, "temperature", -40d, 85d)]
    [InlineData(SensorKind.Air, "pressure", 300d, 1100d)]
    [InlineData(SensorKind.Water, "temperature", -5d, 50d)]
    [InlineData(SensorKind.Water, "orp", -2000d, 2000d)]
    [InlineData(SensorKind.Water, "ph", 0d, 14d)]
    [InlineData(SensorKind.Water, "conductivity", 0d, 200000d)]
    [InlineData(SensorKind.Soil, "temperature", -40d, 80d)]
    [InlineData(SensorKind.Soil, "pb", 0d, 10000d)]
    public void Just_beyond_either_bound_is_out_of_range(SensorKind kind, string metric, double min, double max)
    {
        foreach (var value in new[] { Math.BitDecrement(min), min - 0.01, Math.BitIncrement(max), max + 0.01, max * 10 + 1 })
        {
            var rejection = Refuse(Decoded(metric, value, kind: kind, record: 2), RejectionCodes.OutOfRange);
            Assert.Equal(value, rejection.Value);
        }
    }

    [Fact]
    public void Out_of_range_reason_names_value_unit_and_range()
    {
        var rejection = Refuse(Decoded("pm25", 1000.5), RejectionCodes.OutOfRange);

        Assert.Contains("1000.5", rejection.Reason, StringComparison.Ordinal);
        Assert.Contains("µg/m³", rejection.Reason, StringComparison.Ordinal);
        Assert.Contains("0..1000", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_name_has_the_range_of_its_kind()
    {
        Accept(Decoded("temperature", 85, kind: SensorKind.Air));
        Refuse(Decoded("temperature", 85, kind: SensorKind.Soil), RejectionCodes.OutOfRange);
        Refuse(Decoded("temperature", 85, kind: SensorKind.Water), RejectionCodes.OutOfRange);
        Accept(Decoded("temperature", -5, kind: SensorKind.Water));
        Refuse(Decoded("temperature", -6, kind: SensorKind.Water), RejectionCodes.OutOfRange);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_value_is_value_not_finite_without_a_value(double value)
    {
        var rejection = Refuse(Decoded("pm25", value, record: 4), RejectionCodes.ValueNotFinite);

        Assert.Null(rejection.Value);
    }

    [Fact]
    public void Missing_ts_is_refused_under_the_reject_policy()
    {
        var options = new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.Reject };

        var rejection = Refuse(Decoded(noTimestamp: true, record: 1), RejectionCodes.MissingTimestamp, options);

        Assert.Equal(35.2, rejection.Value);
    }

    [Fact]
    public void Missing_ts_is_refused_by_default()
    {
        Refuse(Decoded(noTimestamp: true), RejectionCodes.MissingTimestamp);
    }

    [Fact]
    public void Missing_ts_takes_the_receive_time_truncated_to_milliseconds_under_the_receive_time_policy()
    {
        var options = new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime };
        var receivedAt = new DateTimeOffset(2025, 11, 28, 16, 5, 0, TimeSpan.FromHours(8)).AddTicks(12_345);

        var reading = Accept(Decoded(noTimestamp: true, seq: 9), options, receivedAt);

        Assert.Equal(Samples.DeviceTimeMs + 300_000 + 1, reading.TimestampMs);
        Assert.Equal(9, reading.Seq);
    }

    [Fact]
    public void Receive_time_policy_does_not_replace_a_device_timestamp()
    {
        var options = new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime };

        Assert.Equal(Samples.DeviceTimeMs, Accept(Decoded(ts: Samples.DeviceTime), options).TimestampMs);
    }

    [Fact]
    public void Receive_time_stamped_reading_is_still_range_checked()
    {
        var options = new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime };

        Refuse(Decoded("pm25", -1, noTimestamp: true), RejectionCodes.OutOfRange, options);
    }

    [Fact]
    public void Ts_before_2000_is_invalid_timestamp()
    {
        var receivedAt = new DateTimeOffset(2000, 1, 1, 0, 3, 0, TimeSpan.Zero);
        var epoch = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal(ReadingValidator.Epoch, epoch);
        Assert.Equal(946_684_800_000, Accept(Decoded(ts: epoch), receivedAt: receivedAt).TimestampMs);
        Refuse(Decoded(ts: epoch.AddMilliseconds(-1)), RejectionCodes.InvalidTimestamp, receivedAt: receivedAt);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(86_400_000L)]
    [InlineData(946_684_799_999L)]
    [InlineData(-1L)]
    public void Unset_device_clock_is_invalid_timestamp_rather_than_too_old(long unixMs)
    {
        Refuse(Decoded(ts: DateTimeOffset.FromUnixTimeMilliseconds(unixMs)), RejectionCodes.InvalidTimestamp);
    }

    [Fact]
    public void Ts_up_to_max_future_skew_ahead_is_accepted_and_beyond_it_is_refused()
    {
        var skew = new ValidationOptions().MaxFutureSkew;

        Assert.Equal(
            (ReceivedAt + skew).ToUnixTimeMilliseconds(),
            Accept(Decoded(ts: ReceivedAt + skew)).TimestampMs);
        Accept(Decoded(ts: ReceivedAt + skew - TimeSpan.FromMilliseconds(1)));
        Refuse(Decoded(ts: ReceivedAt + skew + TimeSpan.FromMilliseconds(1)), RejectionCodes.TimestampInFuture);
        Refuse(Decoded(ts: ReceivedAt.AddYears(1)), RejectionCodes.TimestampInFuture);
    }

    [Fact]
    public void Zero_future_skew_accepts_the_receive_instant_only()
    {
        var options = new ValidationOptions { MaxFutureSkew = TimeSpan.Zero };

        Accept(Decoded(ts: ReceivedAt), options);
        Refuse(Decoded(ts: ReceivedAt.AddMilliseconds(1)), RejectionCodes.TimestampInFuture, options);
    }

    [Fact]
    public void Future_skew_is_measured_against_the_instant_whatever_the_offsets()
    {
        var options = new ValidationOptions { MaxFutureSkew = TimeSpan.FromMinutes(1) };
        var receivedInBeijing = new DateTimeOffset(2025, 11, 28, 16, 5, 0, TimeSpan.FromHours(8));

        Accept(Decoded(ts: new DateTimeOffset(2025, 11, 28, 8, 6, 0, TimeSpan.Zero)), options, receivedInBeijing);
        Refuse(Decoded(ts: new DateTimeOffset(2025, 11, 28, 8, 6, 0, 1, TimeSpan.Zero)), RejectionCodes.TimestampInFuture, options, receivedInBeijing);
    }

    [Fact]
    public void Ts_up_to_max_age_old_is_accepted_and_older_is_refused()
    {
        var age = new ValidationOptions().MaxAge;

        Accept(Decoded(ts: ReceivedAt - age));
        Refuse(Decoded(ts: ReceivedAt - age - TimeSpan.FromMilliseconds(1)), RejectionCodes.TimestampTooOld);
    }

    [Fact]
    public void Custom_max_age_applies()
    {
        var options = new ValidationOptions { MaxAge = TimeSpan.FromHours(1) };

        Accept(Decoded(ts: ReceivedAt.AddHours(-1)), options);
        var rejection = Refuse(Decoded(ts: ReceivedAt.AddHours(-1).AddMilliseconds(-1), record: 5), RejectionCodes.TimestampTooOld, options);
        Assert.Equal(35.2, rejection.Value);
    }

    [Fact]
    public void Hours_old_replayed_readings_are_accepted()
    {
        Accept(Decoded(ts: ReceivedAt.AddHours(-36)));
    }

    [Fact]
    public void Catalog_checks_come_before_clock_checks()
    {
        Refuse(Decoded("ph", 7, ts: ReceivedAt.AddYears(5)), RejectionCodes.UnknownMetric);
        Refuse(Decoded("pm25", double.NaN, ts: ReceivedAt.AddYears(5)), RejectionCodes.ValueNotFinite);
        Refuse(Decoded("pm25", -1, noTimestamp: true), RejectionCodes.OutOfRange);
    }

    [Fact]
    public void Validator_uses_the_catalog_it_is_given()
    {
        var catalog = MetricCatalog.Default.With([new MetricDefinition(SensorKind.Air, "voc", "ppb", 0, 500)]);
        var validator = Validator(catalog: catalog);

        Assert.True(validator.TryValidate(Decoded("voc", 500), ReceivedAt, out var reading, out _));
        Assert.Equal("voc", reading.Metric);
        Assert.False(validator.TryValidate(Decoded("voc", 501), ReceivedAt, out _, out var rejection));
        Assert.Equal(RejectionCodes.OutOfRange, rejection.Code);
    }

    [Fact]
    public void Null_decoded_reading_is_an_argument_error()
    {
        Assert.Throws<ArgumentNullException>(() => Validator().TryValidate(null!, ReceivedAt, out _, out _));
    }
}
