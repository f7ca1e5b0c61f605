using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EcoMonitor.Core.Decoding;

/// <summary>Parses the timestamp forms devices send, to millisecond precision.</summary>
public static partial class Timestamps
{
    /// <summary>
    /// RFC 3339 text (an offset is required: a time without a zone is ambiguous) or integer
    /// Unix milliseconds. Sub-millisecond digits are truncated: the store keeps milliseconds.
    /// </summary>
    public static bool TryParse(JsonElement element, out DateTimeOffset timestamp, out string error)
    {
        timestamp = default;
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return TryParseRfc3339(element.GetString()!, out timestamp, out error);
            case JsonValueKind.Number:
                if (!element.TryGetInt64(out var ms))
                {
                    error = "a numeric ts must be integer Unix milliseconds";
                    return false;
                }

                if (ms < MinUnixMs || ms > MaxUnixMs)
                {
                    error = $"ts {ms} is outside the representable range of Unix milliseconds";
                    return false;
                }

                timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                error = string.Empty;
                return true;
            default:
                error = $"ts must be an RFC 3339 string or integer Unix milliseconds, not {element.ValueKind.ToString().ToLowerInvariant()}";
                return false;
        }
    }

    public static bool TryParseRfc3339(string text, out DateTimeOffset timestamp, out string error)
    {
        timestamp = default;
        var match = Rfc3339().Match(text);
        if (!match.Success)
        {
            error = $"ts '{(text.Length > 40 ? text[..40] + "…" : text)}' is not RFC 3339 with a zone (e.g. 2026-11-28T08:00:00Z)";
            return false;
        }

        // DateTimeOffset parses at most 7 fractional digits; milliseconds need 3.
        var fraction = match.Groups["fraction"].Value;
        var normalized = match.Groups["main"].Value.Replace(' ', 'T').ToUpperInvariant()
            + (fraction.Length > 0 ? "." + fraction[..Math.Min(3, fraction.Length)] : string.Empty)
            + match.Groups["zone"].Value.ToUpperInvariant();
        if (!DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            error = $"ts '{text}' is not a valid date and time";
            return false;
        }

        timestamp = TruncateToMilliseconds(parsed);
        error = string.Empty;
        return true;
    }

    public static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    private static readonly long MinUnixMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    [GeneratedRegex(@"^(?<main>\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?:\.(?<fraction>\d{1,9}))?(?<zone>[Zz]|[+-]\d{2}:\d{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
