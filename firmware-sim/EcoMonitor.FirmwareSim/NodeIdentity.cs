using System.Globalization;

namespace EcoMonitor.FirmwareSim;

/// <summary>One simulated node: where it sits, what it measures and the names it uses on the wire.</summary>
/// <param name="Index">Position in the fleet (sites, then kinds, then devices); orders the fleet's messages.</param>
public sealed record NodeIdentity(int Index, string Site, string Kind, string Device, string ClientId)
{
    /// <summary>Native data topic (DESIGN §3).</summary>
    public string Topic => $"eco/{Site}/{Kind}/{Device}";

    /// <summary>Retained <c>online</c>/<c>offline</c> status topic (DESIGN §3).</summary>
    public string StatusTopic => $"{Topic}/status";

    /// <summary>
    /// The fleet in a fixed order: <c>site-01/air-01 … air-NN, water-01 …, soil-01 …, site-02/…</c>.
    /// Numbers are zero-padded to at least two digits, wider when the count needs it, so names sort.
    /// </summary>
    public static IReadOnlyList<NodeIdentity> Layout(FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var siteDigits = Math.Max(2, Digits(options.Sites));
        var deviceDigits = Math.Max(2, Digits(options.NodesPerKind));
        var nodes = new List<NodeIdentity>(options.NodeCount);
        for (var s = 1; s <= options.Sites; s++)
        {
            var site = "site-" + Number(s, siteDigits);
            foreach (var kind in FleetCatalog.Kinds)
            {
                for (var d = 1; d <= options.NodesPerKind; d++)
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
