using EcoMonitor.FirmwareSim.Catalog;

namespace EcoMonitor.FirmwareSim.Signals;

/// <summary>
/// A scripted excursion of one metric at one site, e.g. a PM2.5 pollution episode: between
/// <see cref="From"/> and <see cref="To"/> the signal moves from its normal value towards
/// <see cref="Peak"/>, rising over <see cref="Ramp"/>, holding the peak, and falling back over
/// <see cref="Ramp"/> (smoothstep edges). A peak below the normal value makes a dip (low dissolved
/// oxygen, a pH drop). Times are absolute, so the signal stays a pure function of time.
/// </summary>
/// <param name="Devices">The devices of <paramref name="Kind"/> at the site it affects; empty = all of them.</param>
public sealed record SignalEpisode(
    string Site,
    string Kind,
    string Metric,
    DateTimeOffset From,
    DateTimeOffset To,
    double Peak,
    TimeSpan Ramp,
    IReadOnlyList<string> Devices)
{
    /// <summary>The default ramp: a quarter of the episode, so it holds its peak for half of it.</summary>
    public static TimeSpan DefaultRamp(TimeSpan length) => length / 4;

    /// <summary>True when the episode concerns this series (at any time).</summary>
    public bool Affects(string site, string kind, string device, string metric) =>
        string.Equals(Site, site, StringComparison.Ordinal)
        && string.Equals(Kind, kind, StringComparison.Ordinal)
        && string.Equals(Metric, metric, StringComparison.Ordinal)
        && (Devices.Count == 0 || Devices.Contains(device, StringComparer.Ordinal));

    /// <summary>How far the signal is pulled towards the peak at <paramref name="time"/>: 0 outside, 1 on the plateau.</summary>
    public double Weight(DateTimeOffset time)
    {
        if (time < From || time >= To)
        {
            return 0;
        }

        if (Ramp <= TimeSpan.Zero)
        {
            return 1;
        }

        var rise = (time - From) / Ramp;
        var fall = (To - time) / Ramp;
        return Smooth(Math.Min(1, Math.Min(rise, fall)));
    }

    /// <summary><paramref name="normal"/> moved towards the peak by the weight at <paramref name="time"/>.</summary>
    public double Apply(double normal, DateTimeOffset time)
    {
        var weight = Weight(time);
        return weight == 0 ? normal : normal + ((Peak - normal) * weight);
    }

    /// <summary>Throws when the episode cannot mean anything.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Site);
        var metric = FleetCatalog.Metric(Kind, Metric);
        if (To <= From)
        {
            throw new ArgumentException($"Episode {Site}/{Kind}/{Metric}: 'to' ({To:O}) must be after 'from' ({From:O}).", nameof(To));
        }

        if (Ramp < TimeSpan.Zero || Ramp * 2 > To - From)
        {
            throw new ArgumentOutOfRangeException(nameof(Ramp), Ramp, $"Episode {Site}/{Kind}/{Metric}: the ramp must be between 0 and half the episode ({(To - From) / 2}).");
        }

        if (!double.IsFinite(Peak) || Peak < metric.Min || Peak > metric.Max)
        {
            throw new ArgumentOutOfRangeException(nameof(Peak), Peak, $"Episode {Site}/{Kind}/{Metric}: the peak must be inside the plausible range {metric.Min}…{metric.Max} {metric.Unit}.");
        }
    }

    private static double Smooth(double x) => x * x * (3 - (2 * x));
}
