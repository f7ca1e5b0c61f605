using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>
/// Text-level payload generators and mutations of the fuzz tests (SenML, native; Tasmota uses the member edits), and the
/// byte-level mutations every format's fuzz tests share. Every payload is built from
/// CsCheck-generated numbers (a seed for <see cref="Random"/> where a tree of choices is easier to
/// write that way), so a failure is reproducible from CsCheck's seed and printed with
/// <see cref="FuzzHarness.Print"/>.
/// </summary>
internal static partial class JsonPayloadFuzzer
{
    /// <summary>Number literals at the edges: overflow, underflow, huge integers, SenML's 2^28, negative zero.</summary>
    public static readonly string[] NumberLiterals =
    [
        "0", "-0", "-0.0", "1", "-1", "35.2", "97224.53", "1e999", "-1e999", "1e-999", "1E+400", "1e308", "-1.7976931348623157e308",
        "4.9e-324", "123456789012345678901234567890", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "268435455", "268435456", "268435455.5", "1.276020076001e+09", "1764316800", "1764316800000", "1e10", "3e11", "-7e10",
        "1e300", "-1e300", "0.000001", "10", "11", "10.5", "5",
    ];

    /// <summary>Odd text as JSON string literals (escapes stay escapes): lone surrogates, controls, bidi, non-ASCII digits.</summary>
    public static readonly string[] OddStrings =
    [
        "\"\\ud800\"", "\"\\udfff\"", "\"a\\ud83d\"", "\"\\ud83d\\ude00\"", "\"\\u0000\"", "\"\u202e\u200b\"", "\"\uffff\"", "\"😀\"",
        "\"é\"", "\"µg/m³\"", "\"\u2103\"", "\"٢٥\"", "\"\"", "\" \"", "\"\\\\\"", "\"\\\"\"", "\"\\/\"", "\"urn:dev:ow:\"",
        "\"" + new string('a', 300) + "\"", "\"2025-11-28T08:00:00Z\"", "\"NaN\"", "\"Infinity\"", "\"1e999\"",
    ];

    /// <summary>Values of another type, for type swaps.</summary>
    private static readonly string[] TypeSwaps =
    [
        "null", "true", "false", "\"35.2\"", "\"\"", "{}", "[]", "[35.2]", "{\"v\":1}", "[{}]", "{\"a\":[{\"b\":[1]}]}", "0", "-1", "1e999",
    ];

    /// <summary>Pieces of JSON syntax and odd characters, inserted anywhere.</summary>
    public static readonly string[] Fragments =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", " ", "\n", "\t", "\0", "/*", "//", "NaN", "Infinity",
        "\u200b", "\u202e", "\ufeff", "\uffff", "😀", "é", "\u00a0", ",]", ",}", "\"\":", "1e999", "-", ".", "e", "[{", "}]", "{}",
    ];

    /// <summary>Byte sequences that are not UTF-8 (or a BOM, which JSON parsers may refuse).</summary>
    private static readonly byte[][] BadUtf8 =
    [
        [0xFF], [0x80], [0xC0, 0x80], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xEF, 0xBB, 0xBF], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ];

    /// <summary>Format-shaped payloads, random JSON over the format's keys, token soup and raw bytes.</summary>
    public static Gen<byte[]> RandomPayload(Gen<string> shaped, string[] keys)
    {
        var tokens = Fragments.Concat(NumberLiterals).Concat(OddStrings).Concat(keys.Select(k => $"\"{k}\"")).ToArray();
        return Gen.Frequency(
            (6, shaped.Select(Encoding.UTF8.GetBytes)),
            (2, Gen.Int.Select(seed => Encoding.UTF8.GetBytes(RandomJson(new Random(seed), keys, depth: 0)))),
            (1, Gen.OneOf(tokens).Array[1, 40].Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts)))),
            (1, Gen.Byte.Array[0, 200]));
    }

    /// <summary>A valid seed (or a format-shaped payload) after 1–4 JSON-level mutations and, half the time, 1–3 byte-level ones.</summary>
    public static Gen<byte[]> MutatedPayload(string[] seeds, Gen<string> shaped, string[] keys) =>
        Gen.Select(Gen.Frequency((3, Gen.OneOf(seeds)), (1, shaped)), Gen.Int, (seed, randomSeed) => Mutate(seed, new Random(randomSeed), keys));

    public static byte[] Mutate(string seed, Random random, string[] keys)
    {
        ArgumentNullException.ThrowIfNull(random);
        var text = seed;
        // Mostly one edit, so that most payloads still get past the parser into the format's rules.
        var edits = random.Next(3) == 0 ? random.Next(2, 5) : 1;
        for (var i = 0; i < edits; i++)
        {
            text = MutateText(text, random, keys);
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        if (random.Next(2) == 0)
        {
            var byteEdits = random.Next(1, 4);
            for (var i = 0; i < byteEdits; i++)
            {
                bytes = MutateBytes(bytes, random);
            }
        }

        return bytes;
    }

    /// <summary>
    /// JSON-level edits on members and flat objects (SenML records, native readings): delete,
    /// duplicate, reorder, swap types, blow up numbers, odd unicode, rename, add.
    /// </summary>
    private static string MutateText(string text, Random random, string[] keys)
    {
        var members = Member().Matches(text);
        var objects = FlatObject().Matches(text);
        var op = random.Next(11);
        if (op <= 5 && members.Count == 0)
        {
            op = 8;
        }

        if (op is 6 or 7 or 10 && objects.Count == 0)
        {
            op = 9;
        }

        switch (op)
        {
            case 0:
            {
                var m = Pick(members, random);
                return RemoveWithComma(text, m.Index, m.Length);
            }

            case 1:
            {
                var m = Pick(members, random);
                return text.Insert(m.Index + m.Length, "," + m.Value);
            }

            case 2:
                return Replace(text, Pick(members, random).Groups["value"], TypeSwaps[random.Next(TypeSwaps.Length)]);
            case 3:
                return Replace(text, Pick(members, random).Groups["value"], NumberLiterals[random.Next(NumberLiterals.Length)]);
            case 4:
            {
                var m = Pick(members, random);
                var odd = OddStrings[random.Next(OddStrings.Length)];
                return random.Next(2) == 0 ? Replace(text, m.Groups["value"], odd) : Replace(text, m.Groups["name"], odd[1..^1]);
            }

            case 5:
                return Replace(text, Pick(members, random).Groups["name"], keys[random.Next(keys.Length)]);
            case 6:
            {
                var o = Pick(objects, random);
                return RemoveWithComma(text, o.Index, o.Length);
            }

            case 7:
            {
                var o = Pick(objects, random);
                return text.Insert(o.Index + o.Length, "," + o.Value);
            }

            case 8:
            {
                // Add a member after some '{' (a new label, or a second copy of an existing one).
                var braces = Enumerable.Range(0, text.Length).Where(i => text[i] == '{').ToArray();
                var member = $"\"{keys[random.Next(keys.Length)]}\":{Scalar(random)}";
                if (braces.Length == 0)
                {
                    return text.Insert(random.Next(text.Length + 1), member);
                }

                var at = braces[random.Next(braces.Length)] + 1;
                var closes = at < text.Length && text[at] == '}';
                return text.Insert(at, closes ? member : member + ",");
            }

            case 10:
            {
                // Reorder: move one flat object in front of another (base fields then apply to other records).
                var a = Pick(objects, random);
                var b = Pick(objects, random);
                if (a.Index == b.Index)
                {
                    return text.Insert(a.Index, a.Value + ",");
                }

                var (first, second) = a.Index < b.Index ? (a, b) : (b, a);
                return text[..first.Index] + second.Value + text[(first.Index + first.Length)..second.Index] + first.Value + text[(second.Index + second.Length)..];
            }

            default:
            {
                var numbers = NumberToken().Matches(text);
                return numbers.Count == 0
                    ? text + Fragments[random.Next(Fragments.Length)]
                    : Replace(text, Pick(numbers, random), NumberLiterals[random.Next(NumberLiterals.Length)]);
            }
        }
    }

    /// <summary>
    /// Byte-level edits: flips, overwrites, truncation, insertion, deletion and duplication of spans,
    /// numbers no double holds, broken UTF-8.
    /// </summary>
    public static byte[] MutateBytes(byte[] bytes, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var list = new List<byte>(bytes);
        var at = random.Next(list.Count + 1);
        switch (random.Next(8))
        {
            case 0 when list.Count > 0:
                list[random.Next(list.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when list.Count > 0:
                list[random.Next(list.Count)] = (byte)random.Next(256);
                break;
            case 2:
                list.RemoveRange(at, list.Count - at);
                break;
            case 3:
                list.InsertRange(at, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)]));
                break;
            case 4 when list.Count > 0:
            {
                var start = random.Next(list.Count);
                list.RemoveRange(start, Math.Min(1 + random.Next(16), list.Count - start));
                break;
            }

            case 5 when list.Count > 0:
            {
                var start = random.Next(list.Count);
                var slice = list.GetRange(start, Math.Min(1 + random.Next(40), list.Count - start));
                list.InsertRange(random.Next(list.Count + 1), slice);
                break;
            }

            case 6:
                list.InsertRange(at, Encoding.ASCII.GetBytes(random.Next(2) == 0 ? "99999999999999999999999e999" : "-0.000000000000000000001e-400"));
                break;
            default:
                list.InsertRange(at, BadUtf8[random.Next(BadUtf8.Length)]);
                break;
        }

        return [.. list];
    }

    /// <summary>Random well-formed JSON over the format's keys (sometimes random names), up to depth 4.</summary>
    private static string RandomJson(Random random, string[] keys, int depth)
    {
        var kind = depth >= 4 ? 0 : random.Next(depth == 0 ? 2 : 0, 6);
        switch (kind)
        {
            case 2:
            case 3:
                var members = Enumerable.Range(0, random.Next(7)).Select(_ =>
                {
                    var key = random.Next(6) == 0 ? RandomText(random) : keys[random.Next(keys.Length)];
                    return $"\"{key}\":{RandomJson(random, keys, depth + 1)}";
                });
                return "{" + string.Join(',', members) + "}";
            case 4:
            case 5:
                return "[" + string.Join(',', Enumerable.Range(0, random.Next(6)).Select(_ => RandomJson(random, keys, depth + 1))) + "]";
            default:
                return Scalar(random);
        }
    }

    private static string Scalar(Random random) => random.Next(6) switch
    {
        0 => NumberLiterals[random.Next(NumberLiterals.Length)],
        1 => OddStrings[random.Next(OddStrings.Length)],
        2 => ((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 12))).ToString("R", CultureInfo.InvariantCulture),
        3 => TypeSwaps[random.Next(TypeSwaps.Length)],
        4 => "\"" + RandomText(random) + "\"",
        _ => random.Next(-100_000, 100_000).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Short random text as JSON string content, any char (surrogates and controls escaped).</summary>
    private static string RandomText(Random random) =>
        FuzzHarness.Escape(Enumerable.Range(0, random.Next(12)).Select(_ => random.Next(4) switch
        {
            0 => (char)random.Next(0x20, 0x7F),
            1 => ":/._-"[random.Next(5)],
            2 => (char)random.Next(0x80, 0x800),
            _ => (char)random.Next(0, 0x10000),
        }));

    private static Match Pick(MatchCollection matches, Random random) => matches[random.Next(matches.Count)];

    /// <summary>The text with <paramref name="capture"/> replaced by <paramref name="with"/>.</summary>
    public static string Replace(string text, Capture capture, string with) =>
        text.Remove(capture.Index, capture.Length).Insert(capture.Index, with);

    private static string RemoveWithComma(string text, int index, int length)
    {
        if (index + length < text.Length && text[index + length] == ',')
        {
            return text.Remove(index, length + 1);
        }

        return index > 0 && text[index - 1] == ',' ? text.Remove(index - 1, length + 1) : text.Remove(index, length);
    }

    /// <summary>A member <c>"name":value</c> whose value is a scalar or an empty container.</summary>
    [GeneratedRegex("""
        "(?<name>(?:[^"\\]|\\.)*)"\s*:\s*(?<value>"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+\-]*|true|false|null|\{\}|\[\])
        """, RegexOptions.CultureInvariant)]
    public static partial Regex Member();

    /// <summary>An object with no nested containers: a SenML record, a native readings object.</summary>
    [GeneratedRegex("""\{[^{}\[\]]*\}""", RegexOptions.CultureInvariant)]
    private static partial Regex FlatObject();

    [GeneratedRegex("""-?[0-9]+(?:\.[0-9]+)?(?:[eE][+\-]?[0-9]+)?""", RegexOptions.CultureInvariant)]
    private static partial Regex NumberToken();
}
