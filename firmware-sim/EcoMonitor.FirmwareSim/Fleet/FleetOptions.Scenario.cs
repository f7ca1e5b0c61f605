using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Signals;

namespace EcoMonitor.FirmwareSim.Fleet;

/// <summary>What a scenario file (<c>ScenarioParser</c>) adds to the options: a per-site layout and episodes.</summary>
public sealed partial record FleetOptions
{
    /// <summary>
    /// Sites with their own names and node counts per kind, from a scenario. Null (the default) is the
    /// uniform layout of <see cref="Sites"/> × <see cref="NodesPerKind"/>, which then ignores this.
    /// </summary>
    public IReadOnlyList<SiteLayout>? Layout { get; init; }

    /// <summary>Scripted excursions the signals follow (absolute times); empty = normal signals only.</summary>
    public IReadOnlyList<SignalEpisode> Episodes { get; init; } = [];

    /// <summary>The sites as laid out: <see cref="Layout"/> when set, else <c>site-01…</c> with <see cref="NodesPerKind"/> of each kind.</summary>
    public IReadOnlyList<SiteLayout> EffectiveLayout() =>
        Layout ?? SiteLayout.Uniform(Sites, NodesPerKind, NodesPerKind, NodesPerKind);

    /// <summary>The signal model of this fleet: its seed and its episodes.</summary>
    public SignalModel CreateSignalModel() => new(Seed, Episodes);

    private long LayoutNodeCount() =>
        Layout is { } layout ? layout.Sum(site => site.NodeCount) : (long)Sites * FleetCatalog.Kinds.Count * NodesPerKind;

    private void ValidateScenario()
    {
        if (Layout is { } layout)
        {
            if (layout.Count == 0)
            {
                throw new ArgumentException("The layout has no sites.", nameof(Layout));
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var site in layout)
            {
                ArgumentNullException.ThrowIfNull(site, nameof(Layout));
                if (!SiteLayout.IsValidId(site.Name))
                {
                    throw new ArgumentException($"'{site.Name}' is not a valid site id (a letter or digit, then letters, digits, '_', '.' or '-', at most 64).", nameof(Layout));
                }

                if (!names.Add(site.Name))
                {
                    throw new ArgumentException($"Site '{site.Name}' appears twice in the layout.", nameof(Layout));
                }

                if (site.Air < 0 || site.Water < 0 || site.Soil < 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(Layout), site, "Node counts cannot be negative.");
                }
            }
        }

        var nodes = LayoutNodeCount();
        if (nodes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(NodeCount), nodes, "The fleet has no nodes.");
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodes, MaxNodes, nameof(NodeCount));
        ArgumentNullException.ThrowIfNull(Episodes);
        foreach (var episode in Episodes)
        {
            episode.Validate();
        }
    }
}
