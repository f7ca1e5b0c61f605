using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.Service.Tests.FirmwareSim;

internal static class FleetLayout
{
    /// <summary>
    /// The simulator's usual one-site layout, with the site renamed to <paramref name="site"/>: tests share
    /// one broker and one store, and each must see its own traffic alone.
    /// </summary>
    public static IReadOnlyList<NodeIdentity> OnSite(FleetOptions options, string site)
    {
        Assert.Equal(1, options.Sites);
        return
        [
            .. NodeIdentity.Layout(options).Select(node => node with
            {
                Site = site,
                ClientId = $"{options.ClientIdPrefix}-{site}-{node.Device}",
            }),
        ];
    }
}
