namespace EcoMonitor.Core.DeadLetters;

/// <summary>
/// Stable, machine-readable reasons for refusing input. They name dead-letter records and
/// label the rejection counters, so they never change once published.
/// </summary>
public static class RejectionCodes
{
    public const string PayloadTooLarge = "payload-too-large";
    public const string MalformedJson = "malformed-json";
    public const string InvalidShape = "invalid-shape";
    public const string BadTopic = "bad-topic";
    public const string UnknownFormat = "unknown-format";
    public const string UnknownMetric = "unknown-metric";
    public const string ValueNotNumber = "value-not-number";
    public const string ValueNotFinite = "value-not-finite";
    public const string OutOfRange = "out-of-range";
    public const string MissingTimestamp = "missing-timestamp";
    public const string InvalidTimestamp = "invalid-timestamp";
    public const string TimestampInFuture = "timestamp-in-future";
    public const string TimestampTooOld = "timestamp-too-old";
    public const string DuplicateMetric = "duplicate-metric";
    public const string TooManyReadings = "too-many-readings";
    public const string StoreRejected = "store-rejected";
    public const string IdentityMismatch = "identity-mismatch";
    public const string UnknownUnit = "unknown-unit";
    public const string Pm25AbovePm10 = "pm25-above-pm10";

    /// <summary>A node status message (docs/mqtt.md#node-status) whose payload is neither <c>online</c> nor <c>offline</c>.</summary>
    public const string InvalidStatus = "invalid-status";

    public static IReadOnlyList<string> All { get; } =
    [
        PayloadTooLarge, MalformedJson, InvalidShape, BadTopic, UnknownFormat, UnknownMetric,
        ValueNotNumber, ValueNotFinite, OutOfRange, MissingTimestamp, InvalidTimestamp,
        TimestampInFuture, TimestampTooOld, DuplicateMetric, TooManyReadings, StoreRejected,
        IdentityMismatch, UnknownUnit, Pm25AbovePm10, InvalidStatus,
    ];
}
