using System.Globalization;
using EcoMonitor.FirmwareSim.Catalog;

namespace EcoMonitor.FirmwareSim.Fleet;

/// <summary>One simulated node: where it sits, what it measures and the names it uses on the wire.</summary>
/// <param name="Index">Position in the fleet (sites, then kinds, then devices); orders the fleet's messages.</param>
public sealed record NodeIdentity(int Index, string Site, string Kind, string Device, string ClientId)
{
    /// <summary>Native data topic (docs/mqtt.md#topics).</summary>
    public string Topic => $"eco/{Site}/{Kind}/{Device}";

    /// <summary>Retained <c>online</c>/<c>offline</c> status topic (docs/mqtt.md#node-status).</summary>
    public string StatusTopic => $"{Topic}/status";

    /// <summary>
    /// The fleet in a fixed order: <c>site-01/air-01 … air-NN, water-01 …, soil-01 …, site-02/…</c>.
    /// Numbers are zero-padded to at least two digits, wider when the count needs it, so names sort.
    /// A scenario's <see cref="FleetOptions.Layout"/> names the sites and sets each site's counts.
    /// </summary>
    public static IReadOnlyList<NodeIdentity> Layout(FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sites = options.EffectiveLayout();
        var widest = sites.Count == 0 ? 0 : sites.Max(site => Math.Max(site.Air, Math.Max(site.Water, site.Soil)));
        var deviceDigits = Math.Max(2, Digits(widest));
        var nodes = new List<NodeIdentity>(options.NodeCount);
        foreach (var layout in sites)
        {
            var site = layout.Name;
            foreach (var kind in FleetCatalog.Kinds)
            {
                for (var d = 1; d <= layout.NodesOf(kind); d++)
                {
                    var device = kind + "-" + Number(d, deviceDigits);
                    // Stable per node so the broker resumes the same session on every run, as real firmware does.
                    var clientId = $"{options.ClientIdPrefix}-{site}-{device}";
                    nodes.Add(new NodeIdentity(nodes.Count, site, kind, device, clientId));
                }
            }
        }

        return nodes;
    }

    private static int Digits(int value) => value.ToString(CultureInfo.InvariantCulture).Length;

    private static string Number(int value, int digits) => value.ToString("D" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
