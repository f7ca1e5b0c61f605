using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Decoding;

/// <summary>The native topic <c>eco/{site}/{kind}/{device}</c> (DESIGN §3).</summary>
public static class NativeTopic
{
    public const string Prefix = "eco";

    public const string DefaultFilter = "eco/+/+/+";

    public static string For(SensorAddress address) =>
        $"{Prefix}/{address.Site}/{address.Kind.ToName()}/{address.Device}";

    public static bool TryParse(string topic, out SensorAddress address, out string error)
    {
        address = null!;
        var parts = topic.Split('/');
        if (parts.Length != 4 || parts[0] != Prefix)
        {
            error = $"topic '{Truncate(topic)}' is not of the form eco/{{site}}/{{kind}}/{{device}}";
            return false;
        }

        if (!SensorIdentifiers.IsValid(parts[1]))
        {
            error = $"site '{Truncate(parts[1])}' must match [A-Za-z0-9][A-Za-z0-9_.-]{{0,63}}";
            return false;
        }

        if (!SensorKinds.TryParse(parts[2], out var kind))
        {
            error = $"kind '{Truncate(parts[2])}' is not one of air, water, soil";
            return false;
        }

        if (!SensorIdentifiers.IsValid(parts[3]))
        {
            error = $"device '{Truncate(parts[3])}' must match [A-Za-z0-9][A-Za-z0-9_.-]{{0,63}}";
            return false;
        }

        address = new SensorAddress(kind, parts[1], parts[3]);
        error = string.Empty;
        return true;
    }

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
