using System.Globalization;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Signals;

namespace EcoMonitor.FirmwareSim.Scenarios;

/// <summary>
/// A fleet described in a YAML scenario file (<see cref="ScenarioParser"/>). Every value is optional:
/// what the file leaves out keeps the command-line default, and an option given on the command line
/// overrides the file (<see cref="ScenarioCommandLine"/>).
/// </summary>
public sealed record FleetScenario
{
    public int? Seed { get; init; }

    public TimeSpan? Interval { get; init; }

    public TimeSpan? Duration { get; init; }

    public int? Qos { get; init; }

    public PayloadFormat? Format { get; init; }

    /// <summary><c>faults.every</c>: every Nth message of the fleet carries a fault (<see cref="FleetOptions.InvalidEvery"/>).</summary>
    public int? InvalidEvery { get; init; }

    /// <summary><c>faults.kinds</c>: the fault kinds cycled through (<see cref="FleetOptions.Faults"/>).</summary>
    public IReadOnlyList<FaultKind>? Faults { get; init; }

    /// <summary><c>sites: N</c> with a plain <c>nodes_per_kind: K</c>: the uniform layout.</summary>
    public int? Sites { get; init; }

    /// <summary>A plain <c>nodes_per_kind: K</c>.</summary>
    public int? NodesPerKind { get; init; }

    /// <summary>Set when the sites are listed, or when nodes differ per kind; overrides <see cref="Sites"/> and <see cref="NodesPerKind"/>.</summary>
    public IReadOnlyList<SiteLayout>? Layout { get; init; }

    public IReadOnlyList<ScenarioEpisode> Episodes { get; init; } = [];

    /// <summary>Load mode settings (<c>load:</c>); null when the file has none.</summary>
    public ScenarioLoad? Load { get; init; }

    /// <summary>The options this scenario describes, on top of <paramref name="defaults"/>; relative episode times count from <paramref name="start"/>.</summary>
    public FleetOptions ApplyTo(FleetOptions defaults, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return defaults with
        {
            Seed = Seed ?? defaults.Seed,
            Interval = Interval ?? defaults.Interval,
            Duration = Duration ?? defaults.Duration,
            Qos = Qos ?? defaults.Qos,
            Format = Format ?? defaults.Format,
            InvalidEvery = InvalidEvery ?? defaults.InvalidEvery,
            Faults = Faults ?? defaults.Faults,
            Sites = Layout?.Count ?? Sites ?? defaults.Sites,
            NodesPerKind = NodesPerKind ?? defaults.NodesPerKind,
            Layout = Layout ?? defaults.Layout,
            Episodes = [.. defaults.Episodes, .. Episodes.Select(episode => episode.Resolve(start))],
        };
    }
}

/// <summary>The <c>load:</c> section of a scenario: the load generator's settings.</summary>
public sealed record ScenarioLoad(double? Rate, int? Devices, int? ReadingsPerMessage, int? Connections);

/// <summary>A point in time of an episode: an offset from the start of the run, or an absolute instant.</summary>
public readonly record struct EpisodeTime(TimeSpan? Offset, DateTimeOffset? At)
{
    public static EpisodeTime After(TimeSpan offset) => new(offset, null);

    public static EpisodeTime Absolute(DateTimeOffset at) => new(null, at);

    public DateTimeOffset Resolve(DateTimeOffset start) => At ?? start + Offset.GetValueOrDefault();

    public override string ToString() => At is { } at
        ? at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
        : "+" + Offset.GetValueOrDefault().ToString("c", CultureInfo.InvariantCulture);
}

/// <summary>An episode as the scenario file states it; <see cref="Resolve"/> pins it to the run's start.</summary>
/// <param name="Ramp">Rise and fall time; null = a quarter of the episode.</param>
/// <param name="Devices">Devices of the kind at the site; empty = all of them.</param>
/// <param name="Line">Line of the episode in the file, for messages.</param>
public sealed record ScenarioEpisode(
    string? Name,
    string Site,
    string Kind,
    string Metric,
    EpisodeTime From,
    EpisodeTime To,
    double Peak,
    TimeSpan? Ramp,
    IReadOnlyList<string> Devices,
    int Line)
{
    public SignalEpisode Resolve(DateTimeOffset start)
    {
        var from = From.Resolve(start);
        var to = To.Resolve(start);
        return new SignalEpisode(Site, Kind, Metric, from, to, Peak, Ramp ?? SignalEpisode.DefaultRamp(to - from), Devices);
    }
}
