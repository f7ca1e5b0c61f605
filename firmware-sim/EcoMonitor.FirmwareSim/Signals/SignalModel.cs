using EcoMonitor.FirmwareSim.Catalog;

namespace EcoMonitor.FirmwareSim.Signals;

/// <summary>
/// Plausible sensor signals as a pure function of (seed, site, kind, device, metric, time): the same
/// inputs give the same value in every run and on every machine, so a test can recompute what a node
/// sent from its payload alone. Each signal is a per-device baseline, a daily cycle where the quantity
/// has one, slow drift (smoothly interpolated value noise) and a little measurement noise. Every value
/// is rounded to the metric's resolution and clamped into its catalog range.
/// Scripted <see cref="SignalEpisode"/>s (a scenario's pollution episode) bend a series towards
/// their peak between two instants; they are part of the model's inputs, so values stay pure.
/// </summary>
public sealed class SignalModel(int seed, IReadOnlyList<SignalEpisode> episodes)
{
    private const double Hour = 3600;
    private const long MillisecondsPerDay = 86_400_000;

    private readonly SignalEpisode[] _episodes = [.. episodes ?? throw new ArgumentNullException(nameof(episodes))];

    /// <summary>The normal signals, without episodes.</summary>
    public SignalModel(int seed)
        : this(seed, [])
    {
    }

    public int Seed { get; } = seed;

    public IReadOnlyList<SignalEpisode> Episodes => _episodes;

    /// <summary>All readings of a node of <paramref name="kind"/> at <paramref name="time"/>, in catalog order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Readings(string site, string kind, string device, DateTimeOffset time)
    {
        var metrics = FleetCatalog.MetricsOf(kind);
        var readings = new KeyValuePair<string, double>[metrics.Count];
        for (var i = 0; i < metrics.Count; i++)
        {
            readings[i] = new(metrics[i].Name, Value(site, kind, device, metrics[i].Name, time));
        }

        return readings;
    }

    /// <summary>One reading, rounded and inside the catalog range.</summary>
    public double Value(string site, string kind, string device, string metric, DateTimeOffset time)
    {
        var definition = FleetCatalog.Metric(kind, metric);
        var sample = new Sample(DeviceKey(site, kind, device), SiteKey(site), time.ToUnixTimeMilliseconds());
        var raw = Raw(kind, metric, sample);
        if (_episodes.Length > 0)
        {
            raw = WithEpisodes(site, kind, device, metric, time, raw, sample);
        }

        return definition.Clamp(Math.Round(raw, definition.Decimals, MidpointRounding.AwayFromZero));
    }

    /// <summary>
    /// The episode hook: every episode of this series, in the order given, pulls the value towards its
    /// peak (where two overlap, the later one pulls last). PM10 contains PM2.5, so a PM2.5 episode
    /// without a PM10 episode of its own scales PM10 by the same factor, keeping pm10 ≥ pm25.
    /// </summary>
    private double WithEpisodes(string site, string kind, string device, string metric, DateTimeOffset time, double raw, Sample sample)
    {
        var value = ApplyEpisodes(site, kind, device, metric, time, raw, out var affected);
        if (!affected && kind == FleetCatalog.Air && metric == "pm10")
        {
            var pm25 = Pm25(sample);
            var pm25InEpisode = ApplyEpisodes(site, kind, device, "pm25", time, pm25, out var pm25Affected);
            if (pm25Affected && pm25 > 0 && pm25InEpisode != pm25)
            {
                value = Math.Max(pm25InEpisode, raw * pm25InEpisode / pm25);
            }
        }

        return value;
    }

    private double ApplyEpisodes(string site, string kind, string device, string metric, DateTimeOffset time, double value, out bool affected)
    {
        affected = false;
        foreach (var episode in _episodes)
        {
            if (episode.Affects(site, kind, device, metric))
            {
                affected = true;
                value = episode.Apply(value, time);
            }
        }

        return value;
    }

    private ulong SiteKey(string site) => Fnv(Mix((ulong)(uint)Seed), site);

    private ulong DeviceKey(string site, string kind, string device) =>
        Fnv(Fnv(Fnv(Mix((ulong)(uint)Seed), site), kind), device);

    // Coefficients are chosen so the unclamped extremes stay well inside the catalog ranges; the
    // clamp in Value is only a safety net. Extremes are noted beside each formula.
    private static double Raw(string kind, string metric, Sample s) => (kind, metric) switch
    {
        // [4, 26] °C, warmest mid-afternoon.
        (FleetCatalog.Air, "temperature") => 15 + 3 * s.Offset(metric) + 6 * s.Daily(15) + 1.5 * s.Drift(metric, 3 * Hour) + 0.2 * s.Noise(metric),
        // [25, 95] %RH, the mirror image of temperature.
        (FleetCatalog.Air, "humidity") => 60 + 10 * s.Offset(metric) - 18 * s.Daily(15) + 6 * s.Drift(metric, 3 * Hour) + s.Noise(metric),
        // [986, 1020] hPa, lower for nodes that sit higher.
        (FleetCatalog.Air, "pressure") => 1013 - 20 * s.Level(metric) + 6 * s.Drift(metric, 12 * Hour) + 0.2 * s.Noise(metric),
        // [5, 75] µg/m³, higher in the rush hours.
        (FleetCatalog.Air, "pm25") => Pm25(s),
        // pm10 contains pm25, so it is never below it.
        (FleetCatalog.Air, "pm10") => Math.Max(Pm25(s), Pm25(s) * (1.5 + 0.3 * s.Level(metric)) + 2 * s.Noise(metric)),
        // [12, 68] µg/m³, traffic-driven.
        (FleetCatalog.Air, "no2") => 20 + 15 * s.Level(metric) + 25 * s.RushHours() + 6 * s.Drift(metric, Hour) + 1.5 * s.Noise(metric),
        // [10, 150] µg/m³: photochemical, near its floor at night, rising with the afternoon sun
        // (peak 15:00 UTC) and lower where traffic NO2 titrates it; less under rain clouds.
        (FleetCatalog.Air, "o3") => Math.Max(
            5,
            (25 + 15 * s.Level(metric) + (80 + 20 * s.Offset(metric)) * Math.Max(0, s.Daily(15)) * (1 - 0.6 * s.Rain()))
            * (1 - 0.2 * s.RushHours()) + 10 * s.Drift(metric, 3 * Hour) + 2 * s.Noise(metric)),

        // 7.2 ± 0.3; rain is slightly acidic and lowers it by up to 0.25.
        (FleetCatalog.Water, "ph") => 7.2 + 0.12 * s.Offset(metric) + 0.1 * s.Drift(metric, 6 * Hour) - 0.25 * s.Rain() + 0.03 * s.Noise(metric),
        // [9, 19] °C, a damped and late daily cycle.
        (FleetCatalog.Water, "temperature") => WaterTemperature(s),
        // [6.5, 12] mg/L: a fraction of saturation, which falls as the water warms; rain aerates it.
        (FleetCatalog.Water, "do") => OxygenSaturation(WaterTemperature(s)) * (0.85 + 0.08 * s.Offset(metric) + 0.05 * s.Drift(metric, 3 * Hour) + 0.05 * s.Rain()) + 0.05 * s.Noise(metric),
        // [180, 845] µS/cm, typical fresh water, diluted by up to a third by rain.
        (FleetCatalog.Water, "conductivity") => (300 + 500 * s.Level(metric)) * (1 + 0.05 * s.Drift(metric, 12 * Hour)) * (1 - 0.35 * s.Rain()) + 2 * s.Noise(metric),
        // [1, 85] NTU: runoff makes rain the main cause of turbid water.
        (FleetCatalog.Water, "turbidity") => Math.Max(0.1, (2 + 8 * s.Level(metric)) * (1 + 0.4 * s.Drift(metric, 2 * Hour)) * (1 + 5 * s.Rain()) + 0.1 * s.Noise(metric)),

        // [8, 42] % VWC, drying a little in the afternoon.
        (FleetCatalog.Soil, "moisture") => SoilMoisture(s),
        // [5, 19] °C.
        (FleetCatalog.Soil, "temperature") => 12 + 3 * s.Offset(metric) + 3 * s.Daily(16) + 0.5 * s.Drift(metric, 12 * Hour) + 0.05 * s.Noise(metric),
        // [45, 830] µS/cm, rising with moisture as it does in real soil.
        (FleetCatalog.Soil, "ec") => (150 + 350 * s.Level(metric)) * (SoilMoisture(s) / 25) + 3 * s.Noise(metric),
        // [5.8, 7.2].
        (FleetCatalog.Soil, "ph") => 6.5 + 0.6 * s.Offset(metric) + 0.05 * s.Drift(metric, 24 * Hour) + 0.02 * s.Noise(metric),

        _ => throw new ArgumentOutOfRangeException(nameof(metric), $"{kind}/{metric}", "No signal model for this metric."),
    };

    private static double Pm25(Sample s)
    {
        var baseline = 12 + 30 * s.Level("pm25");
        return baseline * (1 + 0.5 * s.Drift("pm25", 2 * Hour) + 0.2 * s.RushHours()) + 0.08 * baseline * s.Noise("pm25");
    }

    private static double WaterTemperature(Sample s) =>
        14 + 3 * s.Offset("temperature") + 1.5 * s.Daily(17) + 0.5 * s.Drift("temperature", 12 * Hour) + 0.05 * s.Noise("temperature");

    /// <summary>
    /// [8, 60] % VWC: drying through the day, a jump of 12 points at each irrigation (every 48 h,
    /// at a time of its own per device) decaying as the soil dries (18 h), and wetter after rain.
    /// </summary>
    private static double SoilMoisture(Sample s) =>
        25 + 10 * s.Offset("moisture") + 5 * s.Drift("moisture", 24 * Hour) - s.Daily(15)
        + 12 * s.SinceIrrigation() + 6 * s.Rain() + 0.2 * s.Noise("moisture");

    /// <summary>Dissolved oxygen at saturation in fresh water (Benson and Krause fit, 0–40 °C), in mg/L.</summary>
    private static double OxygenSaturation(double celsius) =>
        14.652 - 0.41022 * celsius + 0.007991 * celsius * celsius - 0.000077774 * celsius * celsius * celsius;

    /// <summary>The random inputs of one device at one instant; all in [-1, 1] or [0, 1].</summary>
    private readonly record struct Sample(ulong Device, ulong Site, long UnixMilliseconds)
    {
        private const long RainBlockMilliseconds = 6 * 3_600_000;
        private const long IrrigationPeriodMilliseconds = 48 * 3_600_000;
        private const ulong RainSalt = 0x7261696E00000005;
        private const ulong IrrigationSalt = 0x6972726967000006;

        private const ulong OffsetSalt = 0x6F66667365740001;
        private const ulong LevelSalt = 0x6C6576656C000002;
        private const ulong DriftSalt = 0x6472696674000003;
        private const ulong NoiseSalt = 0x6E6F697365000004;

        private double HourOfDay => (double)(((UnixMilliseconds % MillisecondsPerDay) + MillisecondsPerDay) % MillisecondsPerDay) / 3_600_000;

        /// <summary>Per-device constant in [-1, 1).</summary>
        public double Offset(string metric) => Signed(Combine(Fnv(Device, metric), OffsetSalt, 0));

        /// <summary>Per-device constant in [0, 1).</summary>
        public double Level(string metric) => Unit(Combine(Fnv(Device, metric), LevelSalt, 0));

        /// <summary>Slow drift in [-1, 1]: value noise with knots <paramref name="period"/> seconds apart, smoothly joined.</summary>
        public double Drift(string metric, double period)
        {
            var key = Fnv(Device, metric);
            var x = UnixMilliseconds / 1000.0 / period;
            var knot = Math.Floor(x);
            var f = x - knot;
            var smooth = f * f * (3 - 2 * f);
            var a = Signed(Combine(key, DriftSalt, (long)knot));
            var b = Signed(Combine(key, DriftSalt, (long)knot + 1));
            return a + (b - a) * smooth;
        }

        /// <summary>Measurement noise in [-1, 1), different at every millisecond.</summary>
        public double Noise(string metric) => Signed(Combine(Fnv(Device, metric), NoiseSalt, UnixMilliseconds));

        /// <summary>Daily cycle in [-1, 1], 1 at <paramref name="peakHour"/> UTC.</summary>
        public double Daily(double peakHour) => Math.Cos(2 * Math.PI * (HourOfDay - peakHour) / 24);

        /// <summary>
        /// Rain at the site in [0, 1]: about one 6-hour block in five has a shower (rising and
        /// falling within the block, of a strength of its own), whose effect lingers for a few
        /// hours after it stops (3-hour decay). The same for every node of the site.
        /// </summary>
        public double Rain()
        {
            var block = Math.DivRem(UnixMilliseconds, RainBlockMilliseconds, out var into) - (into < 0 ? 1 : 0);
            var f = (double)(UnixMilliseconds - (block * RainBlockMilliseconds)) / RainBlockMilliseconds;
            var now = Shower(block) * Math.Sin(Math.PI * f);
            var after = Shower(block - 1) * Math.Exp(-f * 6 / 3);
            return Math.Min(1, Math.Max(now, after));
        }

        /// <summary>In [0, 1]: 1 right after this device's last irrigation, decaying with an 18-hour time constant.</summary>
        public double SinceIrrigation()
        {
            var phase = (long)(Unit(Combine(Device, IrrigationSalt, 0)) * IrrigationPeriodMilliseconds);
            var since = ((UnixMilliseconds - phase) % IrrigationPeriodMilliseconds + IrrigationPeriodMilliseconds) % IrrigationPeriodMilliseconds;
            return Math.Exp(-since / (18.0 * 3_600_000));
        }

        /// <summary>Traffic peaks around 08:00 and 18:00, in [0, ~1].</summary>
        public double RushHours() => Peak(8) + Peak(18);

        private double Shower(long block)
        {
            var draw = Combine(Site, RainSalt, block);
            return Unit(draw) < 0.2 ? 0.4 + (0.6 * Unit(Mix(draw))) : 0;
        }

        private double Peak(double hour)
        {
            var distance = Math.Abs(HourOfDay - hour);
            distance = Math.Min(distance, 24 - distance);
            return Math.Exp(-distance * distance / 2);
        }
    }

    // Hand-written hashing instead of string.GetHashCode (randomised per process) or a hashing
    // package: the values must be identical across runs and machines, and this needs no dependency.
    private static ulong Fnv(ulong hash, string text)
    {
        hash ^= 0xCBF29CE484222325;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 0x100000001B3;
        }

        return Mix(hash);
    }

    private static ulong Combine(ulong key, ulong salt, long index) => Mix(Mix(key ^ salt) ^ (ulong)index);

    /// <summary>SplitMix64 finaliser: spreads every input bit over the output.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    private static double Unit(ulong hash) => (hash >> 11) * (1.0 / (1UL << 53));

    private static double Signed(ulong hash) => Unit(hash) * 2 - 1;
}
