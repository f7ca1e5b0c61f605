using System.Globalization;

namespace EcoMonitor.FirmwareSim.Scenarios;

/// <summary>
/// Parses durations written as <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>, <c>1d</c>, combinations such as
/// <c>1m30s</c>, decimals such as <c>1.5s</c>, or a .NET time span with colons (<c>00:00:30</c>).
/// Hand-written because System.CommandLine only knows the .NET form, and the short form is the one
/// docs/alert-rules.md#durations uses for rule durations, so operators type it everywhere.
/// </summary>
public static class DurationParser
{
    private static readonly (string Suffix, TimeSpan Unit)[] Units =
    [
        // "ms" before "m" and "s", so the longest suffix wins.
        ("ms", TimeSpan.FromMilliseconds(1)),
        ("s", TimeSpan.FromSeconds(1)),
        ("m", TimeSpan.FromMinutes(1)),
        ("h", TimeSpan.FromHours(1)),
        ("d", TimeSpan.FromDays(1)),
    ];

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
        {
            // Only with colons: TimeSpan.Parse reads a bare "30" as 30 days, which nobody means.
            return TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
        }

        var total = 0m;
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var numberLength = 0;
            while (numberLength < rest.Length && (char.IsAsciiDigit(rest[numberLength]) || rest[numberLength] == '.'))
            {
                numberLength++;
            }

            if (numberLength == 0
                || !decimal.TryParse(rest[..numberLength], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            rest = rest[numberLength..];
            var unit = UnitAt(rest);
            if (unit < 0)
            {
                // A bare number is ambiguous (seconds? milliseconds?), so it is refused rather than guessed.
                return false;
            }

            rest = rest[Units[unit].Suffix.Length..];
            // Checked before multiplying: decimal throws on overflow, and a parser should say no instead.
            decimal unitTicks = Units[unit].Unit.Ticks;
            if (number > (TimeSpan.MaxValue.Ticks - total) / unitTicks)
            {
                return false;
            }

            total += number * unitTicks;
        }

        duration = TimeSpan.FromTicks((long)decimal.Round(total));
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration)
            ? duration
            : throw new FormatException($"'{text}' is not a duration; use e.g. 500ms, 30s, 2m, 1h, 1d or 00:00:30.");

    private static int UnitAt(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < Units.Length; i++)
        {
            if (text.StartsWith(Units[i].Suffix, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
