using System.Globalization;

namespace EcoMonitor.Core.Alerting.Rules;

/// <summary>
/// Durations of the rules file: a positive whole number and one unit, <c>30s</c>, <c>2m</c>,
/// <c>1h</c>, <c>1d</c>. Nothing else (no <c>1h30m</c>, no <c>1.5h</c>, no bare numbers) so a
/// rule means one thing to everyone who reads it.
/// </summary>
public static class Durations
{
    public static bool TryParse(string? text, out TimeSpan duration, out string? error)
    {
        duration = default;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty duration: expected a number and a unit, e.g. 30s, 2m, 1h, 1d";
            return false;
        }

        var unit = text[^1];
        var number = text[..^1];
        if (char.IsAsciiDigit(unit))
        {
            error = $"duration '{text}' has no unit: expected s, m, h or d, e.g. {text}s";
            return false;
        }

        if (unit is not ('s' or 'm' or 'h' or 'd'))
        {
            error = $"duration '{text}' has unit '{unit}': expected s, m, h or d (e.g. 30s, 2m, 1h, 1d)";
            return false;
        }

        if (number.Length == 0 || !number.All(char.IsAsciiDigit))
        {
            error = $"duration '{text}' is not a whole number followed by one unit (e.g. 90m rather than 1.5h or 1h30m)";
            return false;
        }

        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > 36500L * 86400)
        {
            error = $"duration '{text}' is too long";
            return false;
        }

        if (value == 0)
        {
            error = $"duration '{text}' is zero: it must be positive";
            return false;
        }

        var seconds = unit switch
        {
            's' => value,
            'm' => value * 60,
            'h' => value * 3600,
            _ => value * 86400,
        };
        if (seconds > 36500L * 86400)
        {
            error = $"duration '{text}' is too long (at most 36500d)";
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>The shortest form that parses back to <paramref name="duration"/>.</summary>
    public static string Format(TimeSpan duration)
    {
        var seconds = (long)duration.TotalSeconds;
        return seconds % 86400 == 0 ? $"{seconds / 86400}d"
            : seconds % 3600 == 0 ? $"{seconds / 3600}h"
            : seconds % 60 == 0 ? $"{seconds / 60}m"
            : $"{seconds}s";
    }
}
