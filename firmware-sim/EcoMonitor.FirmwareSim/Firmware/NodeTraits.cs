using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Firmware;

/// <summary>
/// One node's firmware quirks, drawn from the seed and the node's site, kind and device (not its
/// client id), so the same node drifts and drops out the same way in every run. Every value is drawn
/// whatever the options say, so switching one quirk on does not reshuffle the others.
/// </summary>
/// <param name="DriftPpm">How fast (positive) or slow its clock runs, in parts per million.</param>
/// <param name="ClockOffset">How far off its clock is when the run starts.</param>
/// <param name="Outages">Whether this node loses the network now and then.</param>
/// <param name="OutagePhase">When, after the run starts, its first outage begins.</param>
internal sealed record NodeTraits(double DriftPpm, TimeSpan ClockOffset, bool Outages, TimeSpan OutagePhase)
{
    /// <summary>The clock error a day of drift piles up, per ppm: the bound of the starting offset.</summary>
    private static readonly TimeSpan OffsetPerPpm = TimeSpan.FromDays(1) / 1_000_000;

    public static NodeTraits For(NodeIdentity node, FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(options);
        var random = new Draws(options.Seed, node);
        var drift = random.Signed() * options.ClockDriftPpm;
        // Whole milliseconds: a payload timestamp has no finer grain anyway.
        var offset = TimeSpan.FromMilliseconds(Math.Round(random.Signed() * options.ClockDriftPpm * OffsetPerPpm.TotalMilliseconds));
        var outages = random.Unit() < options.OfflineProbability && options.OfflineEvery is not null;
        var phase = options.OfflineEvery is { } every ? TimeSpan.FromTicks((long)(random.Unit() * every.Ticks)) : TimeSpan.Zero;
        return new NodeTraits(drift, offset, outages, phase);
    }

    /// <summary>
    /// Whether the node is in an outage <paramref name="sinceStart"/> after the run started: outages last
    /// <see cref="FleetOptions.OfflineFor"/>, begin at <see cref="OutagePhase"/> and repeat every
    /// <see cref="FleetOptions.OfflineEvery"/>.
    /// </summary>
    public bool IsOffline(TimeSpan sinceStart, FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Outages || options.OfflineEvery is not { } every || options.OfflineFor is not { } length || sinceStart < OutagePhase)
        {
            return false;
        }

        return (sinceStart - OutagePhase).Ticks % every.Ticks < length.Ticks;
    }

    /// <summary>A SplitMix64 stream keyed by seed and node name.</summary>
    private struct Draws
    {
        private ulong _state;

        public Draws(int seed, NodeIdentity node)
        {
            // FNV-1a over a salted name, so these draws share nothing with the signal model's.
            var hash = 0xcbf29ce484222325UL;
            foreach (var c in $"firmware\0{seed}\0{node.Site}\0{node.Kind}\0{node.Device}")
            {
                hash = (hash ^ c) * 0x100000001b3UL;
            }

            _state = hash;
        }

        /// <summary>Uniform in [0, 1).</summary>
        public double Unit() => (Next() >> 11) * (1.0 / (1UL << 53));

        /// <summary>Uniform in [-1, 1).</summary>
        public double Signed() => (Unit() * 2) - 1;

        private ulong Next()
        {
            var z = _state += 0x9e3779b97f4a7c15UL;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
            return z ^ (z >> 31);
        }
    }
}
