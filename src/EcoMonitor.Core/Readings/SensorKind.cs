namespace EcoMonitor.Core.Readings;

/// <summary>The medium a node measures; also the InfluxDB measurement name.</summary>
public enum SensorKind
{
    Air,
    Water,
    Soil,
}

public static class SensorKinds
{
    public static IReadOnlyList<SensorKind> All { get; } = [SensorKind.Air, SensorKind.Water, SensorKind.Soil];

    /// <summary>The lower-case name used in topics and as the measurement.</summary>
    public static string ToName(this SensorKind kind) => kind switch
    {
        SensorKind.Air => "air",
        SensorKind.Water => "water",
        SensorKind.Soil => "soil",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown sensor kind."),
    };

    /// <summary>Parses the exact lower-case names only: topics are case-sensitive.</summary>
    public static bool TryParse(string? name, out SensorKind kind)
    {
        kind = default;
        return name is not null && TryParse(name.AsSpan(), out kind);
    }

    /// <inheritdoc cref="TryParse(string?, out SensorKind)"/>
    public static bool TryParse(ReadOnlySpan<char> name, out SensorKind kind)
    {
        switch (name)
        {
            case "air": kind = SensorKind.Air; return true;
            case "water": kind = SensorKind.Water; return true;
            case "soil": kind = SensorKind.Soil; return true;
            default: kind = default; return false;
        }
    }
}
