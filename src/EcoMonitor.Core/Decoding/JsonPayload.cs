using System.Text.Json;
using System.Text.Unicode;
using EcoMonitor.Core.DeadLetters;

namespace EcoMonitor.Core.Decoding;

/// <summary>Parsing shared by the JSON formats: UTF-8 checked, depth bounded, failures as rejections.</summary>
public static class JsonPayload
{
    public static bool TryParse(ReadOnlyMemory<byte> payload, DecoderLimits limits, out JsonDocument document, out DecodeResult rejected, bool allowTrailingCommas = false)
    {
        ArgumentNullException.ThrowIfNull(limits);
        document = null!;

        // The reader does not check UTF-8 inside strings; GetString would throw on it later.
        if (!Utf8.IsValid(payload.Span))
        {
            rejected = DecodeResult.Rejected(RejectionCodes.MalformedJson, "payload is not valid UTF-8");
            return false;
        }

        try
        {
            document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = limits.MaxJsonDepth, AllowTrailingCommas = allowTrailingCommas });
            rejected = null!;
            return true;
        }
        catch (JsonException ex)
        {
            rejected = DecodeResult.Rejected(RejectionCodes.MalformedJson, $"payload is not valid JSON: {ex.Message}");
            return false;
        }
    }

    /// <summary>"an object", "a string", … for messages.</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Caps what a decoder found at the configured number of readings.</summary>
    public static DecodeResult Limit(DecodeResult result, DecoderLimits limits)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(limits);
        return result.Readings.Count > limits.MaxReadingsPerMessage
            ? DecodeResult.Rejected(RejectionCodes.TooManyReadings, $"message carries {result.Readings.Count} readings; the limit is {limits.MaxReadingsPerMessage}")
            : result;
    }
}
