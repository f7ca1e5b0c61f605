using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace EcoMonitor.Core.Decoding;

/// <summary>Parses the timestamp forms devices send, to millisecond precision.</summary>
public static class Timestamps
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
                return TryParseRfc3339(element, out timestamp, out error);
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
        ArgumentNullException.ThrowIfNull(text);
        return Finish(Parse(text.AsSpan(), out timestamp), text, out error);
    }

    /// <summary>
    /// The string of a JSON element, read from its UTF-8 bytes without making a string first
    /// (every record's <c>ts</c> comes this way); one with escapes is read as a string.
    /// </summary>
    private static bool TryParseRfc3339(JsonElement element, out DateTimeOffset timestamp, out string error)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (raw.Length >= 2 && raw.IndexOf((byte)'\\') < 0)
        {
            var outcome = Parse(raw[1..^1], out timestamp);
            if (outcome == Outcome.Parsed)
            {
                error = string.Empty;
                return true;
            }

            return Finish(outcome, Encoding.UTF8.GetString(raw[1..^1]), out error);
        }

        return TryParseRfc3339(element.GetString()!, out timestamp, out error);
    }

    private static bool Finish(Outcome outcome, string text, out string error)
    {
        error = outcome switch
        {
            Outcome.Parsed => string.Empty,
            Outcome.NotRfc3339 => $"ts '{(text.Length > 40 ? text[..40] + "…" : text)}' is not RFC 3339 with a zone (e.g. 2026-11-28T08:00:00Z)",
            _ => $"ts '{(text.Length > 80 ? text[..80] + "…" : text)}' is not a valid date and time",
        };
        return outcome == Outcome.Parsed;
    }

    private enum Outcome
    {
        Parsed,
        NotRfc3339,
        NotADate,
    }

    /// <summary>
    /// <c>yyyy-MM-dd[Tt ]HH:mm:ss[.f{1,9}](Z|z|±hh:mm)</c> in ASCII (chars or UTF-8 bytes), to the
    /// millisecond; the fields must make a date and time, and the offset one of at most 14 hours.
    /// </summary>
    private static Outcome Parse<T>(ReadOnlySpan<T> s, out DateTimeOffset timestamp)
        where T : unmanaged, IBinaryInteger<T>
    {
        timestamp = default;
        if (s.Length < 20
            || !Digits(s, 0, 4, out var year) || At(s, 4) != '-' || !Digits(s, 5, 2, out var month) || At(s, 7) != '-' || !Digits(s, 8, 2, out var day)
            || At(s, 10) is not ('T' or 't' or ' ')
            || !Digits(s, 11, 2, out var hour) || At(s, 13) != ':' || !Digits(s, 14, 2, out var minute) || At(s, 16) != ':' || !Digits(s, 17, 2, out var second))
        {
            return Outcome.NotRfc3339;
        }

        var i = 19;
        var milliseconds = 0;
        if (At(s, i) == '.')
        {
            var digits = 0;
            for (i++; i < s.Length && At(s, i) is >= '0' and <= '9'; i++, digits++)
            {
                if (digits < 3)
                {
                    milliseconds = (milliseconds * 10) + (At(s, i) - '0');
                }
            }

            if (digits is 0 or > 9)
            {
                return Outcome.NotRfc3339;
            }

            for (var pad = digits; pad < 3; pad++)
            {
                milliseconds *= 10;
            }
        }

        var offsetMinutes = 0;
        var zone = At(s, i);
        if (zone is not ('Z' or 'z') || i + 1 != s.Length)
        {
            if (zone is not ('+' or '-') || i + 6 != s.Length || !Digits(s, i + 1, 2, out var offsetHours) || At(s, i + 3) != ':' || !Digits(s, i + 4, 2, out var offsetMinute))
            {
                return Outcome.NotRfc3339;
            }

            if (offsetMinute > 59 || (offsetHours * 60) + offsetMinute > 14 * 60)
            {
                return Outcome.NotADate;
            }

            offsetMinutes = (zone == '-' ? -1 : 1) * ((offsetHours * 60) + offsetMinute);
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return Outcome.NotADate;
        }

        var utcTicks = new DateTime(year, month, day, hour, minute, second, milliseconds, DateTimeKind.Unspecified).Ticks - (offsetMinutes * TimeSpan.TicksPerMinute);
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            return Outcome.NotADate;
        }

        timestamp = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return Outcome.Parsed;
    }

    private static int At<T>(ReadOnlySpan<T> s, int index)
        where T : unmanaged, IBinaryInteger<T> =>
        index < s.Length ? int.CreateTruncating(s[index]) : -1;

    private static bool Digits<T>(ReadOnlySpan<T> s, int start, int count, out int value)
        where T : unmanaged, IBinaryInteger<T>
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var c = At(s, i);
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    public static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    private static readonly long MinUnixMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();
}
