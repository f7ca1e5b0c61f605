using System.Text.Json;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Decoding;

/// <summary>
/// The native format (docs/mqtt.md#native-payload): on <c>eco/{site}/{kind}/{device}</c> an object
/// <c>{"ts": …, "seq": n, "readings": {"metric": number, …}}</c>, or an array of such objects
/// for a replayed batch. A bad record is refused alone; the others in the batch still count.
/// Unknown top-level keys are ignored so that firmware may add fields.
/// </summary>
public sealed class NativeJsonDecoder : IPayloadDecoder
{
    public const string FormatName = "native";

    public string Format => FormatName;

    public IReadOnlyList<string> Aliases => [];

    /// <summary>The contract's data topic; its <c>…/status</c> level below (online/offline) carries no readings.</summary>
    public TopicPattern ConventionalTopic => SubscriptionProfile.NativePattern;

    /// <summary>An object with <c>readings</c>, or an array whose first element is one.</summary>
    public bool Recognizes(JsonElement root, string topic)
    {
        try
        {
            return root.ValueKind switch
            {
                JsonValueKind.Object => root.TryGetProperty("readings", out _),
                JsonValueKind.Array => root.GetArrayLength() > 0 && root[0] is { ValueKind: JsonValueKind.Object } first && first.TryGetProperty("readings", out _),
                _ => false,
            };
        }
        catch (InvalidOperationException)
        {
            // A key with an unpaired surrogate escape cannot be compared as text.
            return false;
        }
    }

    public DecodeResult Decode(DecodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var profile = context.Profile;
        if (!profile.TryResolveAddress(context.Message.Topic, payloadDevice: null, payloadSite: null, out var address, out var refused))
        {
            return DecodeResult.Rejected(refused);
        }

        if (!JsonPayload.TryParse(context.Message.Payload, context.Limits, out var document, out var rejected))
        {
            return rejected;
        }

        using (document)
        {
            var root = document.RootElement;
            var result = new DecodeResult();
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    DecodeRecordOrRefuse(root, address, profile, 0, result);
                    break;
                case JsonValueKind.Array when root.GetArrayLength() == 0:
                    return DecodeResult.Rejected(RejectionCodes.InvalidShape, "the batch array is empty");
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var element in root.EnumerateArray())
                    {
                        DecodeRecordOrRefuse(element, address, profile, index++, result);
                    }

                    break;
                default:
                    return DecodeResult.Rejected(
                        RejectionCodes.InvalidShape,
                        $"payload must be a JSON object or an array of objects, not {Describe(root.ValueKind)}");
            }

            return JsonPayload.Limit(result, context.Limits);
        }
    }

    private static void DecodeRecordOrRefuse(JsonElement record, SensorAddress address, SubscriptionProfile profile, int index, DecodeResult result)
    {
        var mark = result.Rejections.Count;
        var readingsMark = result.Readings.Count;
        try
        {
            DecodeRecord(record, address, profile, index, result);
        }
        catch (InvalidOperationException)
        {
            // A string escape with an unpaired surrogate (\ud800) is valid JSON grammar but no valid
            // text, and reading it as a string throws. The whole record is refused: what it added
            // so far (readings, rejections) is taken back.
            result.Readings.RemoveRange(readingsMark, result.Readings.Count - readingsMark);
            result.Rejections.RemoveRange(mark, result.Rejections.Count - mark);
            result.Rejections.Add(new Rejection(RejectionCodes.MalformedJson, "a string of the record holds an unpaired UTF-16 surrogate escape", index));
        }
    }

    private static void DecodeRecord(JsonElement record, SensorAddress address, SubscriptionProfile profile, int index, DecodeResult result)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            result.Rejections.Add(new Rejection(RejectionCodes.InvalidShape, $"a record must be a JSON object, not {Describe(record.ValueKind)}", index));
            return;
        }

        DateTimeOffset? timestamp = null;
        long? seq = null;
        JsonElement? readings = null;
        foreach (var property in record.EnumerateObject())
        {
            // Compared as UTF-8: no string is made for the names of every record.
            if (property.NameEquals("ts"u8))
            {
                if (!Timestamps.TryParse(property.Value, out var ts, out var tsError))
                {
                    result.Rejections.Add(new Rejection(RejectionCodes.InvalidTimestamp, tsError, index));
                    return;
                }

                timestamp = ts;
            }
            else if (property.NameEquals("seq"u8))
            {
                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt64(out var s) || s < 0)
                {
                    result.Rejections.Add(new Rejection(RejectionCodes.InvalidShape, "seq must be a non-negative integer", index));
                    return;
                }

                seq = s;
            }
            else if (property.NameEquals("readings"u8))
            {
                readings = property.Value;
            }
        }

        if (readings is not { ValueKind: JsonValueKind.Object } values)
        {
            var what = readings is null ? "is missing" : $"must be an object of metric: number, not {Describe(readings.Value.ValueKind)}";
            result.Rejections.Add(new Rejection(RejectionCodes.InvalidShape, $"readings {what}", index));
            return;
        }

        // The record's readings go straight into the result (from `first` on); a repeated metric
        // takes its earlier reading out again. Past a few metrics, a set finds repeats, so that a
        // record of thousands of keys costs no quadratic search.
        var first = result.Readings.Count;
        var found = values.GetPropertyCount() > LinearSearchLimit ? new HashSet<string>(StringComparer.Ordinal) : null;
        HashSet<string>? refused = null;
        foreach (var entry in values.EnumerateObject())
        {
            var metric = profile.MapField(entry.Name);
            if (refused?.Contains(metric) == true || RemoveFound(result.Readings, first, found, metric))
            {
                // A repeated key keeps neither value: which one the node meant is unknowable.
                if ((refused ??= new HashSet<string>(StringComparer.Ordinal)).Add(metric))
                {
                    result.Rejections.Add(new Rejection(RejectionCodes.DuplicateMetric, $"metric '{metric}' appears more than once in one record", index, metric));
                }

                continue;
            }

            if (entry.Value.ValueKind != JsonValueKind.Number)
            {
                result.Rejections.Add(new Rejection(
                    RejectionCodes.ValueNotNumber,
                    $"value of '{metric}' must be a JSON number, not {Describe(entry.Value.ValueKind)}",
                    index,
                    metric));
                (refused ??= new HashSet<string>(StringComparer.Ordinal)).Add(metric);
                continue;
            }

            if (!entry.Value.TryGetDouble(out var value) || !double.IsFinite(value))
            {
                // A literal such as 1e999 overflows a double to infinity (TryGetDouble accepts it).
                result.Rejections.Add(new Rejection(
                    RejectionCodes.ValueNotFinite,
                    $"value of '{metric}' ({Shorten(entry.Value.GetRawText())}) is not a finite number",
                    index,
                    metric));
                (refused ??= new HashSet<string>(StringComparer.Ordinal)).Add(metric);
                continue;
            }

            found?.Add(metric);
            result.Readings.Add(new DecodedReading(address, metric, value, timestamp, seq, index));
        }

        if (result.Readings.Count == first && refused is null)
        {
            result.Rejections.Add(new Rejection(RejectionCodes.InvalidShape, "readings is empty", index));
        }
    }

    /// <summary>Up to this many metrics in a record, repeats are found by looking through its readings.</summary>
    private const int LinearSearchLimit = 16;

    /// <summary>Takes the record's earlier reading of <paramref name="metric"/> out of the result; false when there is none.</summary>
    private static bool RemoveFound(List<DecodedReading> readings, int first, HashSet<string>? found, string metric)
    {
        if (found is not null && !found.Remove(metric))
        {
            return false;
        }

        for (var i = first; i < readings.Count; i++)
        {
            if (string.Equals(readings[i].Metric, metric, StringComparison.Ordinal))
            {
                readings.RemoveAt(i);
                return true;
            }
        }

        return false;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string Describe(JsonValueKind kind) => JsonPayload.Describe(kind);
}
