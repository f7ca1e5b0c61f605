namespace EcoMonitor.Core.Readings;

/// <summary>Where a reading comes from: the tags of its series.</summary>
public sealed record SensorAddress(SensorKind Kind, string Site, string Device)
{
    public override string ToString() => $"{Site}/{Kind.ToName()}/{Device}";
}

public static class SensorIdentifiers
{
    /// <summary>
    /// docs/mqtt.md#topics: site and device names, <c>[A-Za-z0-9][A-Za-z0-9_.-]{0,63}</c>
    /// (checked for every message, so by hand rather than by a regular expression).
    /// </summary>
    public static bool IsValid(string? value)
    {
        if (value is null || value.Length is 0 or > 64 || !char.IsAsciiLetterOrDigit(value[0]))
        {
            return false;
        }

        foreach (var c in value.AsSpan(1))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
