namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// The latest soil pH reading of each site (by event time), which chooses the GB 15618 pH band of
/// <see cref="SoilPhBandStateMachine"/>. Per site, not per device: the pH probe and the lab results
/// of a field are usually different devices. Kept by the evaluator, shared by the soil states.
/// </summary>
internal sealed class SoilPhBook
{
    private readonly Dictionary<string, (long TimestampMs, double Ph)> _sites = new(StringComparer.Ordinal);

    public int Count => _sites.Count;

    /// <summary>The sites and their latest pH, for whoever needs to copy the state.</summary>
    public IEnumerable<KeyValuePair<string, (long TimestampMs, double Ph)>> Sites => _sites;

    public bool Contains(string site) => _sites.ContainsKey(site);

    public bool TryGet(string site, out double ph)
    {
        var found = _sites.TryGetValue(site, out var entry);
        ph = entry.Ph;
        return found;
    }

    /// <summary>
    /// Records a pH reading unless the site already has a newer one. An equal timestamp replaces,
    /// as the store replaces the point.
    /// </summary>
    /// <returns>False when the reading is older than the site's latest and was ignored.</returns>
    public bool Record(string site, double ph, long timestampMs)
    {
        if (_sites.TryGetValue(site, out var entry) && timestampMs < entry.TimestampMs)
        {
            return false;
        }

        _sites[site] = (timestampMs, ph);
        return true;
    }
}
