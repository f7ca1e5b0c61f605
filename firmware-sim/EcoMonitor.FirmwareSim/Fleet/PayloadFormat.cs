namespace EcoMonitor.FirmwareSim.Fleet;

/// <summary>The wire format of the fleet's data messages (<see cref="FleetOptions.Format"/>; README "Formats").</summary>
public enum PayloadFormat
{
    /// <summary>docs/mqtt.md#native-payload on <c>eco/{site}/{kind}/{device}</c>.</summary>
    Native,

    /// <summary>SenML JSON (RFC 8428) on <c>senml/{site}/{kind}/{device}</c>.</summary>
    Senml,

    /// <summary>The Things Stack v3 uplinks on <c>v3/eco-{site}-{kind}@ttn/devices/{device}/up</c>.</summary>
    Tts,

    /// <summary>Sensor.Community airRohr JSON on <c>airrohr/{site}/esp8266-{chip id}</c>; air nodes only, the others stay native.</summary>
    SensorCommunity,
}

/// <summary>Command-line names of <see cref="PayloadFormat"/>: the names the service gives the same formats.</summary>
public static class PayloadFormatNames
{
    public static IReadOnlyList<PayloadFormat> All { get; } = Enum.GetValues<PayloadFormat>();

    public static string Name(PayloadFormat format) => format switch
    {
        PayloadFormat.Native => "native",
        PayloadFormat.Senml => "senml",
        PayloadFormat.Tts => "tts",
        PayloadFormat.SensorCommunity => "sensor-community",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    public static IEnumerable<string> AllNames => All.Select(Name);

    public static bool TryParse(string? text, out PayloadFormat format)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(Name(candidate), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                format = candidate;
                return true;
            }
        }

        format = default;
        return false;
    }
}
