using System.Text.RegularExpressions;

namespace EcoMonitor.Core.Readings;

/// <summary>Where a reading comes from: the tags of its series.</summary>
public sealed record SensorAddress(SensorKind Kind, string Site, string Device)
{
    public override string ToString() => $"{Site}/{Kind.ToName()}/{Device}";
}

public static partial class SensorIdentifiers
{
    /// <summary>docs/mqtt.md#topics: site and device names.</summary>
    public static bool IsValid(string? value) => value is not null && IdPattern().IsMatch(value);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
