using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Tests.Fuzzing;
using Xunit;

namespace EcoMonitor.Core.Tests.Decoding;

/// <summary>
/// What every registered format promises, tested once over the registration list
/// (<see cref="PayloadFormats.StandardDecoders"/>): a format gets these tests by being registered,
/// and fails them until it has a contract sample (<see cref="ContractSamples"/>) and fuzz inputs
/// (<see cref="FormatFuzz"/>). Broken bytes, broken JSON and an empty payload refuse the whole
/// message as malformed-json; the depth and reading limits count exactly; every refusal carries a
/// published code and a reason; random and mutated payloads never throw and never vanish silently.
/// What only one format does is tested in that format's own class.
/// </summary>
public sealed partial class DecoderContractTests
{
    /// <summary>Byte sequences no UTF-8 decoder may accept: bad lead bytes, lone continuations, truncations, overlongs, surrogates, beyond U+10FFFF, Latin-1 text.</summary>
    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xFF, 0xFE], [0x80], [0xC3, 0x28], [0xC3], [0xE9], [0xB5], [0xE2, 0x82], [0xC0, 0x80], [0xED, 0xA0, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ];

    /// <summary>Literals JSON does not have, each put in a member the formats would ignore.</summary>
    private static readonly Dictionary<string, string> BadLiterals = new(StringComparer.Ordinal)
    {
        ["nan"] = "NaN",
        ["infinity"] = "-Infinity",
        ["leading-zero"] = "01",
        ["bare-fraction"] = ".5",
        ["plus-sign"] = "+1",
        ["hex"] = "0x1A",
        ["bare-word"] = "undefined",
        ["single-quoted-string"] = "'x'",
    };

    /// <summary>Ways to break the sample's JSON; each must refuse the message as malformed-json.</summary>
    private static readonly Dictionary<string, Func<string, IEnumerable<byte[]>>> Malformations = new(StringComparer.Ordinal)
    {
        ["whitespace-only"] = _ => [Utf8(" "), Utf8("\r\n\t ")],
        ["not-json"] = _ => [Utf8("not json"), Utf8("Online")],
        ["every-truncation"] = json => Enumerable.Range(1, json.Length - 1).Select(n => Utf8(json[..n])),
        ["two-documents"] = json => [Utf8(json + json), Utf8(json + " " + json)],
        ["trailing-garbage"] = json => [Utf8(json + " x"), Utf8(json + "}"), Utf8(json + "\0")],
        ["comment-before"] = json => [Utf8("/* c */ " + json), Utf8("// c\n" + json)],
        ["comment-inside"] = json => [Utf8(json.Insert(LastCloser(json), " /* c */"))],
        ["single-quotes"] = json => [Utf8(json.Replace('"', '\''))],
        ["unquoted-names"] = json => [Utf8(QuotedName().Replace(json, "$1:"))],
        ["missing-comma"] = json => [Utf8(json.Remove(Structural(json, ',').First(), 1))],
        ["double-trailing-comma"] = json => [Utf8(json.Insert(LastCloser(json), ",,"))],
        ["byte-order-mark"] = json => [[0xEF, 0xBB, 0xBF, .. Utf8(json)]],
        ["utf-16"] = json => [Encoding.Unicode.GetBytes(json), Encoding.BigEndianUnicode.GetBytes(json)],
        ["bad-literal"] = json => BadLiterals.Values.Select(literal => Utf8(WithMember(json, literal))),
    };

    public static TheoryData<string> Formats => new(PayloadFormats.StandardDecoders().Select(d => d.Format));

    public static TheoryData<string, string> FormatsAndMalformations
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var format in PayloadFormats.StandardDecoders().Select(d => d.Format))
            {
                foreach (var malformation in Malformations.Keys)
                {
                    data.Add(format, malformation);
                }
            }

            return data;
        }
    }

    // ---- the sample and the format's conventions ----

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_sample_decodes_whole_on_the_conventional_topic_under_every_name_of_the_format_and_under_auto(string format)
    {
        var (decoder, sample) = Contract(format);

        Assert.True(decoder.ConventionalTopic.TryMatch(sample.Topic, out _), $"{sample.Topic} does not match {decoder.ConventionalTopic}");
        var decoded = Decode(decoder, sample, Utf8(sample.Payload));
        Assert.Empty(decoded.Rejections);
        Assert.Equal(sample.Readings, decoded.Readings.Count);
        Assert.True(sample.Readings >= 2, "the sample must have two readings at least, so that a limit of one less still admits one");

        foreach (var name in Names(decoder).Append(PayloadFormats.Auto))
        {
            var result = Ingest(sample, Utf8(sample.Payload), name);

            Assert.Empty(result.Rejections);
            Assert.Equal(sample.Readings, result.Accepted.Count);
            Assert.Equal(format, result.Format);
        }

        Assert.Equal(format, Registry.Detect(Context(sample, Utf8(sample.Payload), PayloadFormats.Auto)));
    }

    [Fact]
    public void Every_name_and_alias_of_the_registered_formats_is_distinct()
    {
        var names = PayloadFormats.StandardDecoders().SelectMany(d => d.Aliases.Prepend(d.Format)).Append(PayloadFormats.Auto).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(PayloadFormats.StandardDecoders(), d => Assert.Same(d.GetType(), Registry.Find(d.Format)?.GetType()));
    }

    // ---- broken input refuses the whole message ----

    [Theory]
    [MemberData(nameof(Formats))]
    public void Empty_payload_is_malformed_json_under_every_name_and_through_the_ingestor(string format)
    {
        var (decoder, sample) = Contract(format);

        AssertMalformed(Decode(decoder, sample, []));
        foreach (var name in Names(decoder).Append(PayloadFormats.Auto))
        {
            AssertMalformed(Registry.Decode(Context(sample, [], name)));
            var ingested = Ingest(sample, [], name);
            Assert.Equal(RejectionCodes.MalformedJson, Assert.Single(ingested.Rejections).Code);
            Assert.True(ingested.WhollyRejected);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Invalid_utf8_anywhere_refuses_the_whole_message_as_malformed_json(string format)
    {
        var (decoder, sample) = Contract(format);
        var payload = Utf8(sample.Payload);

        foreach (var bad in InvalidUtf8)
        {
            // Inside names, inside values, inside ignored members and between tokens alike.
            for (var at = 0; at <= payload.Length; at++)
            {
                byte[] broken = [.. payload[..at], .. bad, .. payload[at..]];

                AssertMalformed(Decode(decoder, sample, broken));
                AssertMalformed(Registry.Decode(Context(sample, broken, PayloadFormats.Auto)));
            }
        }
    }

    [Theory]
    [MemberData(nameof(FormatsAndMalformations))]
    public void Malformed_json_refuses_the_whole_message(string format, string malformation)
    {
        var (decoder, sample) = Contract(format);

        foreach (var broken in Malformations[malformation](sample.Payload.Trim()))
        {
            AssertMalformed(Decode(decoder, sample, broken), FuzzHarness.Print(broken));
            AssertMalformed(Registry.Decode(Context(sample, broken, format)), FuzzHarness.Print(broken));
            AssertMalformed(Registry.Decode(Context(sample, broken, PayloadFormats.Auto)), FuzzHarness.Print(broken));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_trailing_comma_is_malformed_json_unless_the_format_tolerates_it(string format)
    {
        var (decoder, sample) = Contract(format);
        var json = sample.Payload.Trim();

        foreach (var closer in Structural(json, '}').Concat(Structural(json, ']')).Where(i => json[..i].TrimEnd()[^1] is not ('{' or '[')))
        {
            var payload = Utf8(json.Insert(closer, ","));

            var result = Decode(decoder, sample, payload);

            if (sample.ToleratesTrailingCommas)
            {
                Assert.Empty(result.Rejections);
                Assert.Equal(sample.Readings, result.Readings.Count);
            }
            else
            {
                AssertMalformed(result, FuzzHarness.Print(payload));
            }
        }
    }

    // ---- limits ----

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_depth_limit_admits_the_samples_own_nesting_and_one_level_less_refuses_it(string format)
    {
        var (decoder, sample) = Contract(format);
        var depth = Depth(sample.Payload);

        var atLimit = Decode(decoder, sample, Utf8(sample.Payload), new DecoderLimits { MaxJsonDepth = depth });
        var belowLimit = Decode(decoder, sample, Utf8(sample.Payload), new DecoderLimits { MaxJsonDepth = depth - 1 });

        Assert.Empty(atLimit.Rejections);
        Assert.Equal(sample.Readings, atLimit.Readings.Count);
        AssertMalformed(belowLimit);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Nesting_beyond_the_default_depth_limit_is_malformed_json_even_in_a_member_the_format_ignores(string format)
    {
        var (decoder, sample) = Contract(format);
        var json = sample.Payload.Trim();
        var limit = new DecoderLimits().MaxJsonDepth;

        // Right after the first '{' a member of n nested arrays reaches depth level + n.
        var first = Structural(json, '{').First();
        var level = OpenAt(json, first);
        var atLimit = Decode(decoder, sample, Utf8(WithMember(json, Nested(limit - level))));
        Assert.Empty(atLimit.Rejections);
        Assert.Equal(sample.Readings, atLimit.Readings.Count);
        AssertMalformed(Decode(decoder, sample, Utf8(WithMember(json, Nested(limit - level + 1)))));
        AssertMalformed(Decode(decoder, sample, Utf8(WithMember(json, Nested(1000)))));

        // One level too deep under any object of the sample.
        foreach (var brace in Structural(json, '{'))
        {
            var braceLevel = OpenAt(json, brace);
            AssertMalformed(Decode(decoder, sample, Utf8(json.Insert(brace + 1, $"\"xpad\": {Nested(limit - braceLevel + 1)}, "))));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_reading_limit_admits_as_many_readings_as_the_sample_has_and_one_less_refuses_the_whole_message(string format)
    {
        var (decoder, sample) = Contract(format);
        var payload = Utf8(sample.Payload);
        var exact = new DecoderLimits { MaxReadingsPerMessage = sample.Readings };
        var tooFew = new DecoderLimits { MaxReadingsPerMessage = sample.Readings - 1 };

        var admitted = Decode(decoder, sample, payload, exact);
        var refused = Decode(decoder, sample, payload, tooFew);
        var ingested = FuzzHarness.Ingestor(limits: tooFew).Ingest(Message(sample, payload), sample.Profile);

        Assert.Empty(admitted.Rejections);
        Assert.Equal(sample.Readings, admitted.Readings.Count);
        var rejection = DecodeAssert.SingleRejection(refused, RejectionCodes.TooManyReadings, null);
        Assert.Contains($"{sample.Readings} readings", rejection.Reason, StringComparison.Ordinal);
        Assert.Contains($"limit is {sample.Readings - 1}", rejection.Reason, StringComparison.Ordinal);
        Assert.Empty(refused.Readings);
        Assert.Equal(RejectionCodes.TooManyReadings, Assert.Single(ingested.Rejections).Code);
        Assert.Empty(ingested.Accepted);
    }

    // ---- every refusal is coded and explained ----

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_refusal_has_a_published_code_and_a_reason(string format)
    {
        var (decoder, sample) = Contract(format);
        var json = sample.Payload.Trim();
        var keys = QuotedName().Matches(json).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToArray();
        var others = PayloadFormats.StandardDecoders().Select(d => Utf8(ContractSamples.For(d).Payload));
        var mutated = Enumerable.Range(0, 500).SelectMany(seed => new[]
        {
            JsonTreeMutator.Mutate(json, new Random(seed), keys),
            JsonPayloadFuzzer.Mutate(json, new Random(seed), keys),
        });
        var broken = Malformations.Values.SelectMany(m => m(json)).Concat(InvalidUtf8.Select(bad => (byte[])[.. bad, .. Utf8(json)]));
        var ingestor = FuzzHarness.Ingestor();

        foreach (var payload in others.Concat(mutated).Concat(broken).Append<byte[]>([]))
        {
            FuzzHarness.AssertSound(Decode(decoder, sample, payload));
            foreach (var name in new[] { format, PayloadFormats.Auto })
            {
                var profile = Profile(sample, name);
                FuzzHarness.AssertSound(ingestor.Ingest(Message(sample, payload), profile), Soundness.All, new DecoderLimits());
            }
        }
    }

    // ---- fuzzing ----

    [Theory]
    [MemberData(nameof(Formats))]
    public void Random_payloads_never_throw_and_every_refusal_is_coded_and_explained(string format) => Fuzz(format, f => f.RandomPayloads);

    [Theory]
    [MemberData(nameof(Formats))]
    public void Mutated_payloads_never_throw_and_every_refusal_is_coded_and_explained(string format) => Fuzz(format, f => f.MutatedPayloads);

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_fuzz_mutator_changes_payloads(string format)
    {
        FormatFuzz.For(format).AssertMutatorChanges();
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Fuzz_inputs_reach_acceptance_and_the_refusals_of_the_format(string format)
    {
        // Guards the generators against degenerating into inputs refused at the door.
        var fuzz = FormatFuzz.For(format);
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var accepted = 0;
        Gen.Select(fuzz.MutatedPayloads, fuzz.Cases).Sample(
            (payload, at) =>
            {
                var result = at.Ingestor.Ingest(new IncomingMessage(at.Topic, payload, at.ReceivedAt), at.Profile);
                accepted += result.Accepted.Count;
                codes.UnionWith(result.Rejections.Select(r => r.Code));
            },
            iter: fuzz.OutcomeSamples,
            threads: 1);

        Assert.True(accepted >= fuzz.MinimumAccepted, $"only {accepted} readings accepted");
        Assert.Superset(new HashSet<string>(fuzz.Outcomes, StringComparer.Ordinal), codes);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_name_with_an_unpaired_surrogate_is_sound_under_auto_whichever_decoder_is_tried_first(string format)
    {
        var (decoder, sample) = Contract(format);
        var json = sample.Payload.Trim();
        string[] payloads = ["""{"\ud800": 1, "other": 2}""", """[{"\udc00": 1, "other": 2}]""", WithMember(json, "1", name: "\\ud800"), WithMember(json, "1", name: "x\\udc00")];
        IPayloadDecoder[][] orders =
        [
            [.. PayloadFormats.StandardDecoders()],
            [.. new[] { new NativeJsonDecoder(), Decoder(format) }.DistinctBy(d => d.Format)],
            [.. new[] { Decoder(format), new NativeJsonDecoder() }.DistinctBy(d => d.Format)],
        ];

        foreach (var payload in payloads)
        {
            foreach (var order in orders)
            {
                var result = FuzzHarness.Ingestor(decoders: order).Ingest(Message(sample, Utf8(payload)), Profile(sample, PayloadFormats.Auto));

                FuzzHarness.AssertSound(result, Soundness.All, new DecoderLimits());
            }

            FuzzHarness.Recognize(decoder, Utf8(payload), new DecoderLimits(), sample.Topic);
        }
    }

    // ---- helpers ----

    /// <summary><see cref="FuzzHarness.Iterations"/> payloads of the format's fuzz inputs, each checked by <see cref="FuzzHarness.Check"/>.</summary>
    private static void Fuzz(string format, Func<FormatFuzz, Gen<byte[]>> payloads)
    {
        var decoder = Decoder(format);
        var fuzz = FormatFuzz.For(format);

        FuzzHarness.Sample(payloads(fuzz), fuzz.Cases, (payload, at) => FuzzHarness.Check(decoder, payload, at));
    }

    private static readonly PayloadFormats Registry = new(PayloadFormats.StandardDecoders());

    private static IPayloadDecoder Decoder(string format) =>
        PayloadFormats.StandardDecoders().Single(d => d.Format == format);

    private static (IPayloadDecoder Decoder, ContractSample Sample) Contract(string format)
    {
        var decoder = Decoder(format);
        return (decoder, ContractSamples.For(decoder));
    }

    /// <summary>The canonical name and every alias, as given and in other cases.</summary>
    private static IEnumerable<string> Names(IPayloadDecoder decoder) =>
        decoder.Aliases.Prepend(decoder.Format).SelectMany(n => new[] { n, n.ToUpperInvariant(), char.ToUpperInvariant(n[0]) + n[1..] }).Distinct(StringComparer.Ordinal);

    private static SubscriptionProfile Profile(ContractSample sample, string format) => new()
    {
        Format = format,
        Topic = sample.Profile.Topic,
        Site = sample.Profile.Site,
        Kind = sample.Profile.Kind,
        Device = sample.Profile.Device,
        FieldMap = sample.Profile.FieldMap,
        TimeZone = sample.Profile.TimeZone,
    };

    private static IncomingMessage Message(ContractSample sample, byte[] payload) => new(sample.Topic, payload, sample.ReceivedAt);

    private static DecodeContext Context(ContractSample sample, byte[] payload, string format, DecoderLimits? limits = null) =>
        new(Message(sample, payload), Profile(sample, format), limits ?? new DecoderLimits());

    private static DecodeResult Decode(IPayloadDecoder decoder, ContractSample sample, byte[] payload, DecoderLimits? limits = null) =>
        decoder.Decode(new DecodeContext(Message(sample, payload), sample.Profile, limits ?? new DecoderLimits()));

    private static IngestResult Ingest(ContractSample sample, byte[] payload, string format) =>
        FuzzHarness.Ingestor().Ingest(Message(sample, payload), Profile(sample, format));

    private static void AssertMalformed(DecodeResult result, string? payload = null)
    {
        var rejection = Assert.Single(result.Rejections);
        Assert.True(rejection.Code == RejectionCodes.MalformedJson, $"{rejection} for {payload}");
        Assert.Null(rejection.Record);
        Assert.False(string.IsNullOrWhiteSpace(rejection.Reason));
        Assert.Empty(result.Readings);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>The JSON with a member <paramref name="name"/>: <paramref name="value"/> first in its first object.</summary>
    private static string WithMember(string json, string value, string name = "xpad") =>
        json.Insert(Structural(json, '{').First() + 1, $"\"{name}\": {value}, ");

    private static string Nested(int arrays) => new string('[', arrays) + new string(']', arrays);

    /// <summary>Indices of <paramref name="token"/> outside strings.</summary>
    private static IEnumerable<int> Structural(string json, char token)
    {
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c == token)
            {
                yield return i;
            }
        }
    }

    /// <summary>How many containers are open just after index <paramref name="at"/> (a bracket there included).</summary>
    private static int OpenAt(string json, int at)
    {
        var open = Structural(json[..(at + 1)], '{').Count() + Structural(json[..(at + 1)], '[').Count();
        var closed = Structural(json[..(at + 1)], '}').Count() + Structural(json[..(at + 1)], ']').Count();
        return open - closed;
    }

    /// <summary>The deepest nesting of containers, as the parser's depth limit counts it.</summary>
    private static int Depth(string json) => Enumerable.Range(0, json.Length).Max(i => OpenAt(json, i));

    private static int LastCloser(string json) => Math.Max(Structural(json, '}').DefaultIfEmpty(-1).Last(), Structural(json, ']').DefaultIfEmpty(-1).Last());

    /// <summary>A quoted name before a colon: the member names of the sample.</summary>
    [GeneratedRegex("""
        "([A-Za-z0-9_.\-]*)"\s*:
        """, RegexOptions.CultureInvariant)]
    private static partial Regex QuotedName();
}
