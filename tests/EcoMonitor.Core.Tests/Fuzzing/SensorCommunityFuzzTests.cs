using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;
using Xunit;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>
/// Random and mutated airRohr payloads through decode and validation: nothing may throw, every refusal
/// carries a known code and a reason, and no message vanishes without a reading or a reason.
/// </summary>
public sealed class SensorCommunityFuzzTests
{
    private const string Topic = "airrohr/garden";

    private static readonly string[] Seeds =
    [
        """{"software_version": "NRZ-2017-099", "age":"97", "sensordatavalues":[{"value_type":"SDS_P1","value":"26.83"},{"value_type":"SDS_P2","value":"22.60"},{"value_type":"temperature","value":"19.00"},{"value_type":"humidity","value":"73.10"},{"value_type":"BME280_temperature","value":"21.53"},{"value_type":"BME280_humidity","value":"53.64"},{"value_type":"BME280_pressure","value":"97224.53"},{"value_type":"samples","value":"588824"},{"value_type":"min_micro","value":"243"},{"value_type":"max_micro","value":"27694"},{"value_type":"signal","value":"-50"}]}""",
        """{"esp8266id":"2392534","software_version":"NAMF-2020-35","sensordatavalues":[{"value_type":"SDS_P1","value":"15.23"},{"value_type":"SDS_P2","value":"10.17"},{"value_type":"BME280_temperature","value":"6.89"},{"value_type":"BME280_humidity","value":"78.43"},{"value_type":"BME280_pressure","value":"98920.23"},{"value_type":"HECA_temperature","value":"20.20"},{"value_type":"HECA_humidity","value":"33.14"},{"value_type":"samples","value":"122648"},{"value_type":"min_micro","value":"1104"},{"value_type":"max_micro","value":"116416"},{"value_type":"signal","value":"-51"}]}""",
        """{"esp8266id":"2392534","software_version":"NAMF-2020-35","sensordatavalues":[{"value_type":"SDS_P1","value":"15.23"},{"value_type":"SDS_P2","value":"10.17"},{"value_type":"signal","value":"-71"},]}""",
        """{"esp8266id": "a4cf12fd31e8", "software_version": "NRZ-2024-135", "sensordatavalues":[{"value_type":"SPS30_P0","value":"4.10"},{"value_type":"SPS30_P2","value":"6.20"},{"value_type":"SPS30_P4","value":"7.00"},{"value_type":"SPS30_P1","value":"7.40"},{"value_type":"SPS30_N05","value":"27.41"},{"value_type":"SPS30_TS","value":"0.52"},{"value_type":"SCD30_co2_ppm","value":"612"},{"value_type":"SCD30_temperature","value":"23.10"},{"value_type":"DNMS_noise_LAeq","value":"48.20"},{"value_type":"GPS_lat","value":"48.778000"},{"value_type":"interval","value":"145000"}]}""",
        """{"sensordatavalues":[{"value_type":"P1","value":"26.83"},{"value_type":"P2","value":"22.60"},{"value_type":"pressure","value":"97224.53"},{"value_type":"temperature","value":"21.53"}]}""",
        """{"esp8266id": "13597771", "sensordatavalues":[{"value_type":"durP1","value":"12345"},{"value_type":"ratioP1","value":"0.41"},{"value_type":"P1","value":"2140.18"},{"value_type":"P2","value":"412.77"},{"value_type":"SHT3X_temperature","value":"nan"}]}""",
    ];

    private static readonly string[] Keys =
    [
        "esp8266id", "software_version", "sensordatavalues", "value_type", "value", "age",
        "SDS_P1", "SDS_P2", "BME280_pressure", "temperature", "HECA_humidity", "samples", "GPS_lat", "P1", "durP1",
    ];

    private static readonly SubscriptionProfile[] Profiles =
    [
        new() { Format = SensorCommunityDecoder.FormatName, Topic = TopicPattern.Parse("airrohr/{site}"), Kind = SensorKind.Air, Device = "esp8266-13597771" },
        new() { Format = PayloadFormats.Auto, Topic = TopicPattern.Parse("airrohr/{site}"), Kind = SensorKind.Air, Device = "esp8266-13597771" },
        new() { Format = SensorCommunityDecoder.FormatName, Topic = TopicPattern.Parse("airrohr/#"), Kind = SensorKind.Air, Site = "garden" },
        new()
        {
            Format = SensorCommunityDecoder.FormatName,
            Topic = TopicPattern.Parse("airrohr/{site}"),
            Kind = SensorKind.Air,
            Device = "esp8266-13597771",
            FieldMap = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["signal"] = "noise", ["HECA_temperature"] = "temperature", ["samples"] = "pm25" },
        },
    ];

    // NativeJsonDecoder.Recognizes throws on a key holding an unpaired surrogate escape under auto
    // (see Auto_survives_a_key_with_an_unpaired_surrogate); it joins the registry once that is fixed.
    private static readonly MessageIngestor Ingestor = new(
        new PayloadFormats([new SensorCommunityDecoder()]),
        new ReadingValidator(MetricCatalog.Default, new ValidationOptions()),
        new DecoderLimits());

    [Fact]
    public void Random_payloads_never_throw_and_every_refusal_has_a_known_code_and_a_reason()
    {
        Check.Sample(
            Gen.Select(Mutations.RandomPayload(Keys), Gen.Int[0, Profiles.Length - 1]),
            (payload, profile) => Mutations.AssertSound(Ingestor.Ingest(new IncomingMessage(Topic, payload, Samples.ReceivedAt), Profiles[profile])),
            iter: 100_000,
            print: t => Mutations.Print(t.Item1));
    }

    [Fact]
    public void Mutated_airrohr_payloads_never_throw_and_every_refusal_has_a_known_code_and_a_reason()
    {
        Check.Sample(
            Gen.Select(Mutations.MutatedPayload(Seeds, Keys), Gen.Int[0, Profiles.Length - 1]),
            (payload, profile) => Mutations.AssertSound(Ingestor.Ingest(new IncomingMessage(Topic, payload, Samples.ReceivedAt), Profiles[profile])),
            iter: 100_000,
            print: t => Mutations.Print(t.Item1));
    }

    [Fact]
    public void Auto_survives_a_key_with_an_unpaired_surrogate()
    {
        var ingestor = new MessageIngestor(
            new PayloadFormats([new NativeJsonDecoder(), new SensorCommunityDecoder()]),
            new ReadingValidator(MetricCatalog.Default, new ValidationOptions()),
            new DecoderLimits());
        var payload = Encoding.UTF8.GetBytes("""{"\ud800": 1, "other": 2}""");

        var result = ingestor.Ingest(new IncomingMessage(Topic, payload, Samples.ReceivedAt), Profiles[1]);

        Mutations.AssertSound(result);
    }

    /// <summary>
    /// Payload generators and the soundness check shared by the JSON-format fuzz tests. Mutations are
    /// structural (delete, duplicate, rename, type-swap a node of the parsed seed; raw literals such as
    /// <c>1e999</c> or a lone surrogate escape) and then byte-level (flip, overwrite, truncate, insert,
    /// delete, duplicate a span). Each payload is built from one CsCheck-generated seed, so a failure is
    /// reproducible and printed.
    /// </summary>
    internal static class Mutations
    {
        private static readonly string[] RawLiterals =
        [
            "1e999", "-1e999", "1e-999", "-0", "0", "123456789012345678901234567890", "1.7976931348623157e308", "4.9e-324",
            "18446744073709551616", "-9223372036854775809", "0.1", "-273.15", "1E3", "null", "true", "false", "{}", "[]",
            "\"\"", "\"nan\"", "\"inf\"", "\"-inf\"", "\"ovf\"", "\"NaN\"", "\"Infinity\"", "\"26,83\"", "\" 26.83\"", "\"0x1A\"",
            "\"\\ud800\"", "\"\\udc00x\"", "\"\\u0000\"", "\"a\\ud83d\"", "\"\u202e\u200b\"", "\"\uffff\"", "\"😀\"", "\"é\"",
            "\"2025-11-28T08:00:00Z\"", "\"2025-11-28T08:00:00.123456789Z\"", "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00Z\"",
            "\"esp8266-1\"", "\"a4cf12fd31e8\"", "\"../..\"", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]", "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}",
            "[1,2,3]", "{\"value_type\":\"SDS_P1\",\"value\":\"1\"}",
        ];

        // Non-ASCII written as is, or escaped as \uXXXX; built once, since options cache metadata.
        private static readonly JsonSerializerOptions RawText = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = 512 };
        private static readonly JsonSerializerOptions EscapedText = new() { Encoder = JavaScriptEncoder.Default, MaxDepth = 512 };

        private static readonly string[] Fragments =
        [
            "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", " ", "\n", "\t", "\0", "/*", "//", "NaN", "Infinity",
            "\u200b", "\u202e", "\ufeff", "\uffff", "😀", "é", "\u00a0", ",]", ",}", "\"\":", "1e999", "-", ".", "e",
        ];

        /// <summary>Random bytes, a soup of JSON tokens and format keys, or random well-formed JSON with format keys.</summary>
        public static Gen<byte[]> RandomPayload(string[] keys)
        {
            var tokens = Fragments.Concat(RawLiterals).Concat(keys.Select(k => $"\"{k}\"")).ToArray();
            return Gen.OneOf<byte[]>(
                Gen.Byte.Array[0, 300],
                Gen.OneOf(tokens).Array[1, 60].Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts))),
                Gen.Int.Select(seed => Encoding.UTF8.GetBytes(RandomJson(new Random(seed), keys, depth: 0))));
        }

        /// <summary>A seed payload after 1–4 structural mutations and, half the time, 1–3 byte-level ones.</summary>
        public static Gen<byte[]> MutatedPayload(string[] seeds, string[] keys) =>
            Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int, (index, seed) => Mutate(seeds[index], new Random(seed), keys));

        public static void AssertSound(IngestResult result)
        {
            foreach (var rejection in result.Rejections)
            {
                Assert.Contains(rejection.Code, RejectionCodes.All);
                Assert.False(string.IsNullOrWhiteSpace(rejection.Reason));
            }

            foreach (var reading in result.Accepted)
            {
                Assert.True(double.IsFinite(reading.Value));
                Assert.True(SensorIdentifiers.IsValid(reading.Site));
                Assert.True(SensorIdentifiers.IsValid(reading.Device));
            }

            // The product forbids acknowledging bad input silently: a message yields readings or reasons.
            Assert.True(result.Accepted.Count > 0 || result.Rejections.Count > 0, "a message produced neither a reading nor a rejection");
        }

        public static string Print(byte[] payload) =>
            System.Text.Unicode.Utf8.IsValid(payload) ? Encoding.UTF8.GetString(payload) : "base64:" + Convert.ToBase64String(payload);

        public static byte[] Mutate(string seedJson, Random random, string[] keys)
        {
            var text = MutateStructure(seedJson, random, keys, operations: random.Next(1, 5));

            var bytes = Encoding.UTF8.GetBytes(text);
            if (random.Next(2) == 0)
            {
                var byteLevel = random.Next(1, 4);
                for (var i = 0; i < byteLevel; i++)
                {
                    bytes = MutateBytes(bytes, random);
                }
            }

            return bytes;
        }

        private static string MutateStructure(string text, Random random, string[] keys, int operations)
        {
            try
            {
                return MutateParsed(text, random, keys, operations) ?? MutateText(text, random);
            }
            catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException)
            {
                // Text the harness cannot handle as a tree (not JSON, a repeated key, a lone surrogate,
                // too deep to re-serialize) is mutated as text instead.
                return MutateText(text, random);
            }
        }

        /// <summary>Parses once, applies <paramref name="operations"/> tree edits, serializes once: parsing is the cost.</summary>
        private static string? MutateParsed(string text, Random random, string[] keys, int operations)
        {
            var root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 256 });
            if (root is null)
            {
                return null;
            }

            var placeholders = new Dictionary<string, string>(StringComparer.Ordinal);
            string Placeholder(string raw)
            {
                var key = $"__raw_{placeholders.Count}_{random.Next():x}__";
                placeholders[key] = raw;
                return key;
            }

            for (var op = 0; op < operations; op++)
            {
                var nodes = new List<JsonNode>();
                Collect(root, nodes);
                var target = nodes[random.Next(nodes.Count)];
                var parent = target.Parent;
                switch (random.Next(6))
                {
                    case 0 when parent is not null:
                        Remove(target);
                        break;
                    case 1 when parent is not null:
                        // Type swap, huge number, odd text: a raw literal put where the node was.
                        Replace(target, JsonValue.Create(Placeholder(RawLiterals[random.Next(RawLiterals.Length)])));
                        break;
                    case 2 when parent is JsonArray array:
                        array.Insert(random.Next(array.Count + 1), target.DeepClone());
                        break;
                    case 2 when parent is JsonObject obj:
                        // JsonObject holds no duplicate keys; the placeholder key becomes the duplicate in text.
                        obj[Placeholder(JsonSerializer.Serialize(target.GetPropertyName()))] = target.DeepClone();
                        break;
                    case 3 when parent is JsonObject obj:
                        var value = target.DeepClone();
                        obj.Remove(target.GetPropertyName());
                        var name = random.Next(3) == 0 ? RawLiterals[random.Next(RawLiterals.Length)].Trim('"') : keys[random.Next(keys.Length)];
                        obj[Placeholder(JsonSerializer.Serialize(name))] = value;
                        break;
                    case 4:
                        if (target is JsonObject o)
                        {
                            o[Placeholder(JsonSerializer.Serialize(keys[random.Next(keys.Length)]))] = JsonValue.Create(Placeholder(RawLiterals[random.Next(RawLiterals.Length)]));
                        }
                        else if (target is JsonArray a)
                        {
                            a.Add(JsonValue.Create(Placeholder(RawLiterals[random.Next(RawLiterals.Length)])));
                        }

                        break;
                    case 5 when parent is not null:
                        // Wrap a node one level deeper: a value where an object or array was expected.
                        var clone = target.DeepClone();
                        Replace(target, random.Next(2) == 0 ? new JsonArray(clone) : new JsonObject { ["value"] = clone });
                        break;
                }
            }

            var serialized = root.ToJsonString(random.Next(2) == 0 ? RawText : EscapedText);
            foreach (var (key, raw) in placeholders)
            {
                serialized = serialized.Replace($"\"{key}\"", raw, StringComparison.Ordinal);
            }

            return serialized;
        }

        private static string MutateText(string text, Random random)
        {
            if (text.Length == 0)
            {
                return Fragments[random.Next(Fragments.Length)];
            }

            var at = random.Next(text.Length);
            return random.Next(3) switch
            {
                0 => text.Insert(at, RawLiterals[random.Next(RawLiterals.Length)]),
                1 => text.Remove(at, Math.Min(random.Next(1, 8), text.Length - at)),
                _ => text.Insert(at, Fragments[random.Next(Fragments.Length)]),
            };
        }

        private static byte[] MutateBytes(byte[] bytes, Random random)
        {
            if (bytes.Length == 0)
            {
                return [(byte)random.Next(256)];
            }

            var list = new List<byte>(bytes);
            var at = random.Next(list.Count);
            switch (random.Next(7))
            {
                case 0:
                    list[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    list[at] = (byte)random.Next(256);
                    break;
                case 2:
                    list.RemoveRange(at, list.Count - at);
                    break;
                case 3:
                    list.InsertRange(at, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)]));
                    break;
                case 4:
                    list.RemoveRange(at, Math.Min(random.Next(1, 16), list.Count - at));
                    break;
                case 5:
                    var length = Math.Min(random.Next(1, 32), list.Count - at);
                    list.InsertRange(random.Next(list.Count + 1), list.GetRange(at, length));
                    break;
                default:
                    // A run of digits becomes a number no double holds.
                    var digits = Encoding.ASCII.GetBytes(random.Next(2) == 0 ? "99999999999999999999999e999" : "-0.000000000000000000001e-400");
                    list.InsertRange(at, digits);
                    break;
            }

            return [.. list];
        }

        private static string RandomJson(Random random, string[] keys, int depth)
        {
            var choice = depth > 5 ? random.Next(4) : random.Next(7);
            switch (choice)
            {
                case 0:
                    return RawLiterals[random.Next(RawLiterals.Length)];
                case 1:
                    return (random.NextDouble() * 2e5 - 1e5).ToString("R", CultureInfo.InvariantCulture);
                case 2:
                    return JsonSerializer.Serialize((random.NextDouble() * 2000 - 500).ToString("0.##", CultureInfo.InvariantCulture));
                case 3:
                    return JsonSerializer.Serialize(keys[random.Next(keys.Length)]);
                case 4:
                case 5:
                    var fields = Enumerable.Range(0, random.Next(0, 6))
                        .Select(_ => $"{JsonSerializer.Serialize(keys[random.Next(keys.Length)])}: {RandomJson(random, keys, depth + 1)}");
                    return "{" + string.Join(", ", fields) + "}";
                default:
                    var items = Enumerable.Range(0, random.Next(0, 6)).Select(_ => RandomJson(random, keys, depth + 1));
                    return "[" + string.Join(", ", items) + (random.Next(8) == 0 ? ",]" : "]");
            }
        }

        private static void Collect(JsonNode node, List<JsonNode> nodes)
        {
            nodes.Add(node);
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (_, child) in obj)
                    {
                        if (child is not null)
                        {
                            Collect(child, nodes);
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        if (child is not null)
                        {
                            Collect(child, nodes);
                        }
                    }

                    break;
            }
        }

        private static void Remove(JsonNode node)
        {
            switch (node.Parent)
            {
                case JsonObject obj:
                    obj.Remove(node.GetPropertyName());
                    break;
                case JsonArray array:
                    array.RemoveAt(node.GetElementIndex());
                    break;
            }
        }

        private static void Replace(JsonNode node, JsonNode replacement)
        {
            switch (node.Parent)
            {
                case JsonObject obj:
                    obj[node.GetPropertyName()] = replacement;
                    break;
                case JsonArray array:
                    array[node.GetElementIndex()] = replacement;
                    break;
            }
        }
    }
}
