using System.Globalization;
using CsCheck;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>
/// Random and mutated native payloads (docs/mqtt.md#native-payload: one record, replay batches) for the decoder contract's fuzz
/// properties. Fixed receive times; no wall clock.
/// </summary>
internal sealed class NativeFuzz : FormatFuzz
{
    /// <summary>The contract's payloads: one record, a replay batch, both timestamp forms, every catalog kind.</summary>
    private static readonly string[] Seeds =
    [
        """{"ts": "2025-11-28T08:00:00Z", "seq": 1842, "readings": {"pm25": 35.2, "pm10": 61.0}}""",
        """{"ts": 1764316800000, "readings": {"pm25": 35.2, "pm10": 61.0, "pm1": 20.1, "co2": 612, "temperature": 21.5, "humidity": 53.6, "pressure": 972.2, "noise": 48.2}}""",
        """[{"ts": "2025-11-28T08:00:00Z", "seq": 1, "readings": {"pm25": 10}}, {"ts": "2025-11-28T08:01:00Z", "seq": 2, "readings": {"pm25": 11, "pm10": 20}}, {"ts": 1764316920000, "seq": 3, "readings": {"pm25": 12}}]""",
        """{"ts": "2025-11-28T16:00:00.123456+08:00", "seq": 9223372036854775807, "readings": {"so2": 12, "no2": 40, "o3": 80, "co": 0.8}}""",
        """{"ts": "2025-11-28T08:04:00Z", "readings": {"ph": 7.1, "do": 8.2, "conductivity": 520, "turbidity": 3.4, "temperature": 14.2, "orp": 210, "nh3n": 0.3, "codmn": 2.1}}""",
        """{"ts": 1764316800000, "readings": {"moisture": 31.5, "temperature": 12.0, "ec": 820, "ph": 6.4, "n": 120, "p": 35, "k": 210, "cd": 0.2, "pb": 18}}""",
        """{"seq": 3, "readings": {"pm25": 35.2}, "fw": "1.4.2", "rssi": -71, "battery": {"v": 3.7}}""",
        """[{"ts": "2025-11-28T08:00:00Z", "seq": 7, "readings": {"pm25": 35.2}}, {"ts": "2025-11-28T08:00:00Z", "seq": 7, "readings": {"pm25": 35.2}}]""",
    ];

    private static readonly string[] Keys =
    [
        "ts", "seq", "readings", "pm25", "pm10", "pm1", "co2", "temperature", "humidity", "pressure", "ph", "do", "moisture",
        "n", "PM25", "fw", "bn", "v", "",
    ];

    private static readonly string[] Topics =
    [
        "eco/s1/air/n1", "eco/lake-3/water/buoy_2.a", "eco/farm/soil/probe-7", "eco/s1/sky/n1", "eco/s1/air", "eco/s1/air/n1/status",
        "eco/-s1/air/n1", string.Empty,
    ];

    private static readonly DateTimeOffset[] ReceiveTimes =
    [
        Samples.ReceivedAt,
        new(2025, 11, 28, 7, 59, 0, TimeSpan.Zero),
        new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero),
    ];

    private static readonly SubscriptionProfile[] Profiles =
    [
        SubscriptionProfile.Native,
        new()
        {
            Format = NativeJsonDecoder.FormatName,
            Topic = SubscriptionProfile.NativePattern,
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["PM25"] = "pm10", ["fw"] = "pm1", ["x"] = string.Empty },
        },
        new() { Format = NativeJsonDecoder.FormatName, Topic = TopicPattern.Parse("eco/{site}/+/{device}"), Kind = SensorKind.Water },
        new() { Format = PayloadFormats.Auto, Topic = SubscriptionProfile.NativePattern },
    ];

    private static readonly DecoderLimits[] Limits =
    [
        new(),
        new() { MaxPayloadBytes = 400, MaxJsonDepth = 3, MaxReadingsPerMessage = 3 },
    ];

    private static readonly MessageIngestor[] Ingestors =
    [
        Ingestor(new ValidationOptions(), Limits[0]),
        Ingestor(new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime, MaxFutureSkew = TimeSpan.Zero }, Limits[0]),
        Ingestor(new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime }, Limits[1]),
    ];

    private static MessageIngestor Ingestor(ValidationOptions options, DecoderLimits limits) => FuzzHarness.Ingestor(options, limits);

    /// <summary>Mostly a topic of the contract, sometimes one the subscription refuses.</summary>
    private static readonly Gen<FuzzCase> Context =
        Gen.Select(
            Gen.Frequency((10, Gen.Int[0, 2]), (1, Gen.Int[3, Topics.Length - 1])),
            Gen.Int[0, Profiles.Length - 1],
            Gen.Int[0, Ingestors.Length - 1],
            Gen.Int[0, ReceiveTimes.Length - 1],
            (topic, profile, ingestor, received) => new FuzzCase(Topics[topic], ReceiveTimes[received], Profiles[profile], Ingestors[ingestor], Limits[ingestor == 2 ? 1 : 0]));

    // ---- native-shaped random payloads ----

    private static readonly Gen<string> TimeText =
        Gen.Select(Gen.Int[1990, 2040], Gen.Int[0, 13], Gen.Int[0, 32], Gen.Int[0, 25], Gen.Int[0, 61], Gen.Int[0, 9], Gen.Int[0, 4])
            .Select(t =>
            {
                var text = string.Create(CultureInfo.InvariantCulture, $"{t.Item1:0000}-{t.Item2:00}-{t.Item3:00}T{t.Item4:00}:{t.Item5:00}:00");
                if (t.Item6 > 0)
                {
                    text += "." + new string('5', t.Item6);
                }

                return "\"" + text + t.Item7 switch { 0 => "Z", 1 => "+08:00", 2 => "-05:30", 3 => "+24:00", _ => string.Empty } + "\"";
            });

    private static readonly Gen<string> Ts = Gen.Frequency(
        (4, TimeText),
        (3, Gen.Long[1_600_000_000_000, 1_900_000_000_000].Select(ms => ms.ToString(CultureInfo.InvariantCulture))),
        (2, Gen.OneOf(JsonPayloadFuzzer.NumberLiterals)),
        (1, Gen.OneOf(JsonPayloadFuzzer.OddStrings)),
        (1, Gen.OneOf("null", "true", "{}", "[1764316800000]")));

    private static readonly Gen<string> Value = Gen.Frequency(
        (6, Gen.Double[-100, 2000].Select(d => Math.Round(d, 2).ToString("R", CultureInfo.InvariantCulture))),
        (2, Gen.OneOf(JsonPayloadFuzzer.NumberLiterals)),
        (1, Gen.OneOf(JsonPayloadFuzzer.OddStrings)),
        (1, Gen.OneOf("null", "true", "\"35.2\"", "{}", "[1]")));

    private static readonly Gen<string> ReadingsObject = Gen.Frequency(
        (8, Gen.Select(Gen.OneOf(Keys), Value, (k, v) => $"\"{k}\":{v}").Array[0, 8].Select(m => "{" + string.Join(',', m) + "}")),
        (1, Value));

    private static readonly Gen<string> Record = Gen.Select(
        Gen.Frequency((6, Ts.Select(t => "\"ts\":" + t)), (1, Gen.Const(string.Empty))),
        Gen.Frequency((3, Gen.Long[0, 100_000].Select(s => "\"seq\":" + s.ToString(CultureInfo.InvariantCulture))), (1, Value.Select(v => "\"seq\":" + v)), (2, Gen.Const(string.Empty))),
        Gen.Frequency((10, ReadingsObject.Select(r => "\"readings\":" + r)), (1, Gen.Const(string.Empty))),
        Gen.Frequency((4, Gen.Const(string.Empty)), (1, Gen.Select(Gen.OneOf(Keys), Value, (k, v) => $"\"{k}\":{v}"))),
        (ts, seq, readings, extra) => "{" + string.Join(',', new[] { ts, seq, readings, extra }.Where(p => p.Length > 0)) + "}");

    private static readonly Gen<string> Payload = Gen.Frequency(
        (3, Record),
        (1, Record.Array[0, 6].Select(r => "[" + string.Join(',', r) + "]")));

    public override Gen<byte[]> RandomPayloads => JsonPayloadFuzzer.RandomPayload(Payload, Keys);

    public override Gen<byte[]> MutatedPayloads => JsonPayloadFuzzer.MutatedPayload(Seeds, Payload, Keys);

    public override Gen<FuzzCase> Cases => Context;

    public override IReadOnlySet<string> Outcomes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "malformed-json", "invalid-shape", "bad-topic", "unknown-format", "unknown-metric", "value-not-number", "value-not-finite",
        "out-of-range", "missing-timestamp", "invalid-timestamp", "timestamp-in-future", "timestamp-too-old", "duplicate-metric",
        "too-many-readings", "payload-too-large",
    };

    public override void AssertMutatorChanges() =>
        FuzzHarness.AssertMutatorChanges(Seeds[2], (seed, random) => JsonPayloadFuzzer.Mutate(seed, random, Keys));
}
