using System.Globalization;
using CsCheck;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;
using Xunit;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>
/// Random and mutated SenML packs through decode and validation: nothing may throw, every refusal
/// carries a published code and a reason, and no message vanishes without a reading or a reason.
/// A model check then compares well-formed packs with RFC 8428's resolution rules. Fixed receive
/// times; no wall clock.
/// </summary>
public sealed class SenmlFuzzTests
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

    private static readonly SenmlDecoder Decoder = new();

    private static MessageIngestor Ingestor(ValidationOptions options, DecoderLimits limits) =>
        FuzzHarness.Ingestor(FuzzHarness.SenmlAndNative(), options, limits);

    /// <summary>Which subscription, topic, ingestor and receive time: mostly a topic that fits the subscription.</summary>
    private static readonly Gen<(int Profile, string Topic, int Ingestor, int Received)> Context =
        Gen.Select(
            Gen.Int[0, Profiles.Length - 1],
            Gen.Int[0, 9],
            Gen.Int[0, int.MaxValue],
            Gen.Int[0, Ingestors.Length - 1],
            Gen.Frequency((4, Gen.Const(0)), (1, Gen.Int[1, ReceiveTimes.Length - 1])))
        .Select(c =>
        {
            var topics = Topics[c.Item2 == 0 ? Topics.Length - 1 : c.Item1];
            return (c.Item1, topics[c.Item3 % topics.Length], c.Item4, c.Item5);
        });

    private static void Check(byte[] payload, (int Profile, string Topic, int Ingestor, int Received) at)
    {
        var topic = at.Topic;
        var profile = Profiles[at.Profile];
        var limits = Limits[at.Ingestor == 2 ? 1 : 0];
        var result = Ingestors[at.Ingestor].Ingest(new IncomingMessage(topic, payload, ReceiveTimes[at.Received]), profile);
        FuzzHarness.AssertSound(result, Soundness.All, limits);

        if (payload.Length % 4 == 0)
        {
            var extreme = ExtremeTimes[at.Profile % ExtremeTimes.Length];
            FuzzHarness.AssertSound(Decoder.Decode(new DecodeContext(new IncomingMessage(topic, payload, extreme), profile, limits)));
        }

        FuzzHarness.Recognize(Decoder, payload, limits, topic);
    }

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

    [Fact]
    public void Random_payloads_never_throw_and_every_refusal_is_coded_and_explained()
    {
        FuzzHarness.Sample(JsonPayloadFuzzer.RandomPayload(Pack, Keys), Context, Check);
    }

    [Fact]
    public void Mutated_payloads_never_throw_and_every_refusal_is_coded_and_explained()
    {
        FuzzHarness.Sample(JsonPayloadFuzzer.MutatedPayload(Seeds, Pack, Keys), Context, Check);
    }

    [Fact]
    public void The_mutator_changes_payloads()
    {
        FuzzHarness.AssertMutatorChanges(Seeds[8], (seed, random) => JsonPayloadFuzzer.Mutate(seed, random, Keys));
    }

    [Fact]
    public void Fuzz_inputs_reach_every_outcome_of_the_decoder()
    {
        // Guards the generators against degenerating into inputs refused at the door.
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var accepted = 0;
        var payloads = JsonPayloadFuzzer.MutatedPayload(Seeds, Pack, Keys);
        Gen.Select(payloads, Context).Sample(
            (payload, at) =>
            {
                var result = Ingestors[at.Ingestor].Ingest(new IncomingMessage(at.Topic, payload, ReceiveTimes[at.Received]), Profiles[at.Profile]);
                lock (codes)
                {
                    accepted += result.Accepted.Count;
                    codes.UnionWith(result.Rejections.Select(r => r.Code));
                }
            },
            iter: 5_000,
            threads: 1);

        Assert.True(accepted > 200, $"only {accepted} readings accepted");
        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal)
            {
                "malformed-json", "invalid-shape", "bad-topic", "identity-mismatch", "unknown-format", "unknown-metric", "value-not-number",
                "value-not-finite", "out-of-range", "missing-timestamp", "invalid-timestamp", "timestamp-too-old", "duplicate-metric",
                "too-many-readings", "unknown-unit", "payload-too-large",
            },
            codes);
    }

    // ---- Model: well-formed packs resolve as RFC 8428 says ----

    private static readonly (string Bn, string Device)[] BaseNames =
        [("urn:dev:mac:0024befffe804ff1:", "0024befffe804ff1"), ("gw-2/", "gw-2"), ("site/node_3:", "node_3")];

    private static readonly string[] Measurements = ["pm25", "pm10", "temperature", "humidity", "co2"];

    private static readonly double[] BaseTimes = [0, 1_764_316_800, -60, 1.276020076001e9];

    private static readonly SubscriptionProfile ModelProfile =
        new() { Format = SenmlDecoder.FormatName, Topic = TopicPattern.Parse("gw/{site}/{kind}"), Device = "fixed-0" };

    /// <summary>
    /// A pack of well-formed records with random base fields, and the readings RFC 8428 §4 says it
    /// holds, computed independently: name = bn + n, unit = u or bu, value = bv + v, time = bt + t
    /// (relative to the receive time below 2^28). Times differ per record, so nothing conflicts.
    /// </summary>
    private static (string Pack, List<(string Device, string Metric, double Value, string? Unit, long Ms, int Record)> Expected) WellFormed(int seed)
    {
        var random = new Random(seed);
        var records = new List<string>();
        var expected = new List<(string, string, double, string?, long, int)>();
        string? device = null;
        double bt = 0, bv = 0;
        string? bu = null;
        var count = random.Next(1, 11);
        for (var i = 0; i < count; i++)
        {
            var fields = new List<string>();
            if (random.Next(3) == 0)
            {
                var (bn, named) = BaseNames[random.Next(BaseNames.Length)];
                fields.Add($"\"bn\":\"{bn}\"");
                device = named;
            }

            if (random.Next(3) == 0)
            {
                bt = BaseTimes[random.Next(BaseTimes.Length)];
                fields.Add(string.Create(CultureInfo.InvariantCulture, $"\"bt\":{bt:R}"));
            }

            if (random.Next(3) == 0)
            {
                bu = random.Next(2) == 0 ? "ug/m3" : "Cel";
                fields.Add($"\"bu\":\"{bu}\"");
            }

            if (random.Next(3) == 0)
            {
                bv = Math.Round((random.NextDouble() - 0.5) * 200, 2);
                fields.Add(string.Create(CultureInfo.InvariantCulture, $"\"bv\":{bv:R}"));
            }

            var metric = Measurements[random.Next(Measurements.Length)];
            fields.Add($"\"n\":\"{metric}\"");
            string? unit = bu;
            if (random.Next(3) == 0)
            {
                unit = random.Next(2) == 0 ? "%RH" : "hPa";
                fields.Add($"\"u\":\"{unit}\"");
            }

            var v = Math.Round((random.NextDouble() - 0.5) * 2000, 3);
            fields.Add(string.Create(CultureInfo.InvariantCulture, $"\"v\":{v:R}"));
            var t = -(i + 1);
            fields.Add(string.Create(CultureInfo.InvariantCulture, $"\"t\":{t}"));
            if (random.Next(4) == 0)
            {
                fields.Add("\"ut\":300,\"ext\":{\"a\":[1,2]}");
            }

            // Shuffle the labels: their order within a record carries no meaning.
            records.Add("{" + string.Join(',', fields.OrderBy(_ => random.Next())) + "}");

            var seconds = bt + t;
            var ms = seconds < 268_435_456
                ? Samples.ReceivedAt.ToUnixTimeMilliseconds() + (long)(seconds * 1000)
                : (long)Math.Round(seconds * 1000);
            expected.Add((device ?? "fixed-0", metric, bv + v, unit, ms, i));
        }

        return ("[" + string.Join(',', records) + "]", expected);
    }

    [Fact]
    public void Well_formed_packs_resolve_base_fields_as_rfc_8428_says()
    {
        Gen.Int.Sample(
            seed =>
            {
                var (pack, expected) = WellFormed(seed);
                var result = Decoder.Decode(new DecodeContext(Samples.Message(pack, "gw/s1/air"), ModelProfile, new DecoderLimits()));

                var actual = result.Readings
                    .Select(r => (r.Address.Device, r.Metric, r.Value, r.Unit, r.Timestamp!.Value.ToUnixTimeMilliseconds(), r.Record))
                    .ToList();

                // Compared cheaply first; Assert.Equal only to describe a difference.
                if (result.Rejections.Count > 0 || !actual.SequenceEqual(expected))
                {
                    Assert.Empty(result.Rejections);
                    Assert.Equal(expected, actual);
                }

                Assert.True(result.Readings.TrueForAll(r => r.Address is { Site: "s1", Kind: SensorKind.Air }));
            },
            iter: 20_000,
            print: seed => WellFormed(seed).Pack);
    }
}
