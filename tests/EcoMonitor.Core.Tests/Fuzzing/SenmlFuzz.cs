using System.Globalization;
using CsCheck;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>
/// Random and mutated SenML packs for the decoder contract's fuzz properties; the decoder alone
/// also meets receive times at the ends of the calendar. Fixed receive times; no wall clock.
/// <see cref="SenmlModelTests"/> checks well-formed packs against RFC 8428's resolution rules.
/// </summary>
internal sealed class SenmlFuzz : FormatFuzz
{
    /// <summary>RFC 8428 §5.1's examples, an air-quality node, and packs at the edges of the rules.</summary>
    private static readonly string[] Seeds =
    [
        """[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]""",
        """[{"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},{"n":"current","u":"A","v":1.2}]""",
        """[{"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},{"n":"current","t":-5,"v":1.2},{"n":"current","t":-4,"v":1.3},{"n":"current","t":-3,"v":1.4},{"n":"current","t":-2,"v":1.5},{"n":"current","t":-1,"v":1.6},{"n":"current","v":1.7}]""",
        """[{"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,"bu":"%RH","v":20},{"u":"lon","v":24.30621},{"u":"lat","v":60.07965},{"t":60,"v":20.3},{"u":"%EL","t":150,"v":98}]""",
        """[{"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067464e+09,"v":20},{"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067464e+09,"v":24.30621}]""",
        """[{"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1},{"n":"label","vs":"Machine Room"},{"n":"open","vb":false},{"n":"nfv-reader","vd":"aGkgCg"}]""",
        """[{"bn":"2001:db8::2/","bt":1.320078429e+09,"n":"temperature","u":"Cel","v":25.2},{"n":"humidity","u":"%RH","v":30},{"bn":"2001:db8::1/","n":"temperature","u":"Cel","v":12.3},{"n":"humidity","u":"%RH","v":67}]""",
        """[{"bn":"urn:dev:ow:10e2073a01080063:"},{"n":"temp","u":"Cel","v":23.1},{"n":"heat","u":"/","v":1},{"n":"fan","u":"/","v":0}]""",
        """[{"bn":"urn:dev:mac:0024befffe804ff1:","bt":1764316800,"bu":"ug/m3","bver":10,"n":"pm25","v":35.2},{"n":"pm10","v":61},{"n":"pm25","t":-60,"v":34.8},{"n":"pm10","t":-60,"v":60.1},{"n":"temperature","u":"Cel","v":21.5},{"n":"humidity","u":"%RH","v":53.6},{"n":"pressure","u":"Pa","v":97224.53}]""",
        """[{"bn":"n1:","n":"pm25","t":-30,"v":10},{"n":"pm10","t":-30,"v":20},{"n":"co2","u":"ppm","v":612},{"n":"no2","u":"ppb","v":10},{"n":"noise","u":"dB","v":48.2}]""",
        """[{"bn":"buoy-2/","bt":1764316800,"n":"ph","u":"pH","v":7.1},{"n":"conductivity","u":"S/m","v":0.05},{"n":"temperature","u":"K","v":290.15},{"n":"do","u":"mg/l","v":8.2},{"n":"turbidity","u":"FNU","v":3}]""",
        """[{"bn":"n1:","bv":100,"bs":0,"n":"pm25","v":-65,"s":12},{"bv":0,"n":"pm10","s":1},{"n":"pm1","v":1,"ut":300,"x_y":1}]""",
        """[{"bver":10},{"bn":"n1:","bt":268435455,"n":"pm25","t":1,"v":1},{"bt":0,"n":"pm10","v":2},{"n":"pm1","v":3,"crit_":true}]""",
    ];

    private static readonly string[] Keys =
    [
        "bn", "bt", "bu", "bv", "bs", "bver", "n", "u", "v", "vs", "vb", "vd", "s", "t", "ut", "readings", "ts", "crit_", "_", "N", "bx",
    ];

    /// <summary>Topics that fit each subscription in <see cref="Profiles"/> (same index), then ones that fit none.</summary>
    private static readonly string[][] Topics =
    [
        ["eco/s1/air/n1", "eco/s1/air/0024befffe804ff1", "eco/s1/air/10e2073a01080063", "eco/s1/water/buoy-2"],
        ["gw/s1/air", "gw/lake/water", "gw/farm/soil"],
        ["eco/s1/air/n1", "eco/s1/air/0024befffe804ff1", "eco/s1/air/10e2073a01080063"],
        ["gw/s1/x", "gw/s2/y"],
        ["senml/raw", "eco/s1/air/n1"],
        ["gw/s1/sky", "eco/s1/air", "eco/s1/air/-x", string.Empty, "gw/s1/air/extra"],
    ];

    private static readonly DateTimeOffset[] ReceiveTimes =
    [
        Samples.ReceivedAt,
        new(2010, 6, 8, 18, 1, 20, TimeSpan.Zero),
        new(2038, 1, 19, 3, 14, 8, TimeSpan.Zero),
    ];

    /// <summary>For the decoder alone (validation needs a real clock): relative times must not overflow.</summary>
    private static readonly DateTimeOffset[] ExtremeTimes = [DateTimeOffset.MinValue, DateTimeOffset.MaxValue, DateTimeOffset.UnixEpoch];

    private static readonly SubscriptionProfile[] Profiles =
    [
        new() { Format = SenmlDecoder.FormatName, Topic = SubscriptionProfile.NativePattern },
        new() { Format = SenmlDecoder.FormatName, Topic = TopicPattern.Parse("gw/{site}/{kind}") },
        new() { Format = PayloadFormats.Auto, Topic = SubscriptionProfile.NativePattern },
        new()
        {
            Format = SenmlDecoder.FormatName,
            Topic = TopicPattern.Parse("gw/{site}/+"),
            Kind = SensorKind.Air,
            Device = "fixed-1",
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["temp"] = "temperature", ["pm2.5"] = "pm25", ["label"] = string.Empty, ["current"] = "pm10" },
        },
        new() { Format = SenmlDecoder.FormatName, Topic = TopicPattern.Parse("#"), Kind = SensorKind.Soil, Site = "farm" },
    ];

    private static readonly DecoderLimits[] Limits =
    [
        new(),
        new() { MaxPayloadBytes = 600, MaxJsonDepth = 3, MaxReadingsPerMessage = 4 },
    ];

    private static readonly MessageIngestor[] Ingestors =
    [
        Ingestor(new ValidationOptions(), Limits[0]),
        Ingestor(new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime, MaxAge = TimeSpan.FromDays(3650) }, Limits[0]),
        Ingestor(new ValidationOptions { MissingTimestamp = MissingTimestampPolicy.ReceiveTime }, Limits[1]),
    ];

    private static MessageIngestor Ingestor(ValidationOptions options, DecoderLimits limits) => FuzzHarness.Ingestor(options, limits);

    /// <summary>
    /// Which subscription, topic, ingestor and receive time: mostly a topic that fits the subscription;
    /// for a quarter of the messages the decoder alone also meets an extreme receive time.
    /// </summary>
    private static readonly Gen<FuzzCase> Context =
        Gen.Select(
            Gen.Int[0, Profiles.Length - 1],
            Gen.Int[0, 9],
            Gen.Int[0, int.MaxValue],
            Gen.Int[0, Ingestors.Length - 1],
            Gen.Frequency((4, Gen.Const(0)), (1, Gen.Int[1, ReceiveTimes.Length - 1])),
            Gen.Int[0, 3])
        .Select(c =>
        {
            var (profile, fits, pick, ingestor, received, extreme) = c;
            var topics = Topics[fits == 0 ? Topics.Length - 1 : profile];
            return new FuzzCase(
                topics[pick % topics.Length],
                ReceiveTimes[received],
                Profiles[profile],
                Ingestors[ingestor],
                Limits[ingestor == 2 ? 1 : 0],
                extreme == 0 ? ExtremeTimes[profile % ExtremeTimes.Length] : null);
        });

    // ---- SenML-shaped random packs ----

    private static readonly Gen<string> Text = Gen.OneOf(JsonPayloadFuzzer.OddStrings);

    private static readonly Gen<string> Number = Gen.Frequency(
        (4, Gen.OneOf(JsonPayloadFuzzer.NumberLiterals)),
        (4, Gen.Double[-2000, 2000].Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (1, Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0")),
        (1, Gen.Int[-3600, 3600].Select(i => i.ToString(CultureInfo.InvariantCulture))));

    private static readonly Gen<string> NameText = Gen.Frequency(
        (6, Gen.OneOf(
            "\"urn:dev:ow:10e2073a01080063:\"", "\"urn:dev:mac:0024befffe804ff1:\"", "\"n1:\"", "\"2001:db8::2/\"", "\"site/n1/\"",
            "\"pm25\"", "\"pm10\"", "\"temperature\"", "\"humidity\"", "\"pressure\"", "\"temp\"", "\"co2\"", "\"ph\"", "\"n1:pm25\"",
            "\"urn:dev:ow:10e2073a01080063\"", "\"\"", "\":\"", "\"a::b//pm1\"", "\"_x:pm25\"", "\"pm2.5\"", "\"N1:pm25\"")),
        (1, Text));

    private static readonly Gen<string> UnitText = Gen.Frequency(
        (6, Gen.OneOf("\"Cel\"", "\"%RH\"", "\"Pa\"", "\"hPa\"", "\"ug/m3\"", "\"mg/m3\"", "\"ppm\"", "\"ppb\"", "\"/\"", "\"%\"", "\"lx\"", "\"K\"", "\"\"")),
        (1, Text));

    private static readonly Gen<string> AnyScalar = Gen.Frequency(
        (3, Number), (2, Text), (1, Gen.OneOf("null", "true", "false", "{}", "[]", "[1]", "{\"v\":1}")));

    /// <summary>A label and a value mostly of the type RFC 8428 Table 2 gives it, sometimes of any type.</summary>
    private static readonly Gen<string> Member = Gen.Frequency(
        (4, Gen.Select(Gen.OneOf("n", "bn"), NameText, (k, v) => $"\"{k}\":{v}")),
        (3, Gen.Select(Gen.OneOf("u", "bu"), UnitText, (k, v) => $"\"{k}\":{v}")),
        (6, Gen.Select(Gen.OneOf("v", "t", "bt", "bv", "s", "bs", "ut"), Number, (k, v) => $"\"{k}\":{v}")),
        (1, Gen.OneOf("\"bver\":10", "\"bver\":5", "\"bver\":11", "\"bver\":0", "\"bver\":\"10\"")),
        (1, Gen.OneOf("\"vs\":\"x\"", "\"vb\":true", "\"vd\":\"aGkgCg\"", "\"vs\":1", "\"crit_\":1", "\"x\":{\"y\":[1]}", "\"readings\":{}")),
        (2, Gen.Select(Gen.OneOf(Keys), AnyScalar, (k, v) => $"\"{k}\":{v}")));

    private static readonly Gen<string> Record = Gen.Frequency(
        (12, Member.Array[0, 6].Select(m => "{" + string.Join(',', m) + "}")),
        (1, AnyScalar));

    private static readonly Gen<string> Pack = Record.Array[0, 10].Select(r => "[" + string.Join(',', r) + "]");

    public override Gen<byte[]> RandomPayloads => JsonPayloadFuzzer.RandomPayload(Pack, Keys);

    public override Gen<byte[]> MutatedPayloads => JsonPayloadFuzzer.MutatedPayload(Seeds, Pack, Keys);

    public override Gen<FuzzCase> Cases => Context;

    public override IReadOnlySet<string> Outcomes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "malformed-json", "invalid-shape", "bad-topic", "identity-mismatch", "unknown-format", "unknown-metric", "value-not-number",
        "value-not-finite", "out-of-range", "missing-timestamp", "invalid-timestamp", "timestamp-too-old", "duplicate-metric",
        "too-many-readings", "unknown-unit", "payload-too-large",
    };

    public override void AssertMutatorChanges() =>
        FuzzHarness.AssertMutatorChanges(Seeds[8], (seed, random) => JsonPayloadFuzzer.Mutate(seed, random, Keys));
}
