using System.Globalization;
using EcoMonitor.FirmwareSim.Catalog;

namespace EcoMonitor.FirmwareSim.Fleet;

/// <summary>One site of the fleet and how many nodes of each kind it has (a scenario may vary them per site).</summary>
/// <param name="Name">The site id, the second level of the node topics (<c>eco/{site}/…</c>).</param>
public sealed record SiteLayout(string Name, int Air, int Water, int Soil)
{
    /// <summary>Nodes of <paramref name="kind"/> at this site.</summary>
    public int NodesOf(string kind) => kind switch
    {
        FleetCatalog.Air => Air,
        FleetCatalog.Water => Water,
        FleetCatalog.Soil => Soil,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown sensor kind."),
    };

    public long NodeCount => (long)Air + Water + Soil;

    /// <summary>The default layout: <c>site-01 … site-NN</c>, each with the same number of nodes of every kind.</summary>
    public static IReadOnlyList<SiteLayout> Uniform(int sites, int air, int water, int soil)
    {
        var digits = Math.Max(2, sites.ToString(CultureInfo.InvariantCulture).Length);
        var layout = new SiteLayout[Math.Max(0, sites)];
        for (var s = 0; s < layout.Length; s++)
        {
            layout[s] = new SiteLayout(SiteName(s + 1, digits), air, water, soil);
        }

        return layout;
    }

    /// <summary><c>site-07</c>: zero-padded to <paramref name="digits"/> (at least two) so names sort.</summary>
    public static string SiteName(int number, int digits = 2) =>
        "site-" + number.ToString("D" + Math.Max(2, digits).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>
    /// Site and device ids as the service accepts them (<c>SensorAddress</c>): a letter or digit, then up to
    /// 63 letters, digits, <c>_</c>, <c>.</c> or <c>-</c>. They are MQTT topic levels, so no <c>/</c>, <c>+</c> or <c>#</c>.
    /// </summary>
    public static bool IsValidId(string? id) =>
        id is { Length: >= 1 and <= 64 }
        && char.IsAsciiLetterOrDigit(id[0])
        && id.AsSpan(1).IndexOfAnyExcept(IdCharacters) < 0;

    private static readonly System.Buffers.SearchValues<char> IdCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");
}
