using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>
/// Tree-level mutations for the fuzz tests of formats with nested objects (airRohr, The Things
/// Stack): delete, duplicate, rename, type-swap or wrap a node of the parsed seed, or put a raw
/// literal such as <c>1e999</c> or a lone surrogate escape in its place; then, half the time,
/// <see cref="JsonPayloadFuzzer.MutateBytes"/>. Each payload is built from one CsCheck-generated
/// seed, so a failure is reproducible and printed.
/// </summary>
internal static class JsonTreeMutator
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

    /// <summary>Random bytes, a soup of JSON tokens and format keys, or random well-formed JSON with format keys.</summary>
    public static Gen<byte[]> RandomPayload(string[] keys)
    {
        var tokens = JsonPayloadFuzzer.Fragments.Concat(RawLiterals).Concat(keys.Select(k => $"\"{k}\"")).ToArray();
        return Gen.OneOf<byte[]>(
            Gen.Byte.Array[0, 300],
            Gen.OneOf(tokens).Array[1, 60].Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts))),
            Gen.Int.Select(seed => Encoding.UTF8.GetBytes(RandomJson(new Random(seed), keys, depth: 0))));
    }

    /// <summary>A seed payload after 1–4 structural mutations and, half the time, 1–3 byte-level ones.</summary>
    public static Gen<byte[]> MutatedPayload(string[] seeds, string[] keys) =>
        Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int, (index, seed) => Mutate(seeds[index], new Random(seed), keys));

    public static byte[] Mutate(string seedJson, Random random, string[] keys)
    {
        ArgumentNullException.ThrowIfNull(random);
        var text = MutateStructure(seedJson, random, keys, operations: random.Next(1, 5));

        var bytes = Encoding.UTF8.GetBytes(text);
        if (random.Next(2) == 0)
        {
            var byteLevel = random.Next(1, 4);
            for (var i = 0; i < byteLevel; i++)
            {
                bytes = JsonPayloadFuzzer.MutateBytes(bytes, random);
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
            return JsonPayloadFuzzer.Fragments[random.Next(JsonPayloadFuzzer.Fragments.Length)];
        }

        var at = random.Next(text.Length);
        return random.Next(3) switch
        {
            0 => text.Insert(at, RawLiterals[random.Next(RawLiterals.Length)]),
            1 => text.Remove(at, Math.Min(random.Next(1, 8), text.Length - at)),
            _ => text.Insert(at, JsonPayloadFuzzer.Fragments[random.Next(JsonPayloadFuzzer.Fragments.Length)]),
        };
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

/// <summary>
/// The fuzz inputs of a format that <see cref="JsonTreeMutator"/> mutates (airRohr, The Things
/// Stack): one topic and receive time, the format's subscriptions, seeds and keys.
/// </summary>
internal abstract class TreeFormatFuzz(string topic, SubscriptionProfile[] profiles, string[] seeds, string[] keys, IReadOnlySet<string> outcomes) : FormatFuzz
{
    private static readonly DecoderLimits Limits = new();

    private static readonly MessageIngestor Ingestor = FuzzHarness.Ingestor(limits: Limits);

    public override Gen<byte[]> RandomPayloads => JsonTreeMutator.RandomPayload(keys);

    public override Gen<byte[]> MutatedPayloads => JsonTreeMutator.MutatedPayload(seeds, keys);

    public override Gen<FuzzCase> Cases =>
        Gen.Int[0, profiles.Length - 1].Select(profile => new FuzzCase(topic, Samples.ReceivedAt, profiles[profile], Ingestor, Limits));

    public override IReadOnlySet<string> Outcomes => outcomes;

    public override void AssertMutatorChanges() =>
        FuzzHarness.AssertMutatorChanges(seeds[0], (seed, random) => JsonTreeMutator.Mutate(seed, random, keys));
}
