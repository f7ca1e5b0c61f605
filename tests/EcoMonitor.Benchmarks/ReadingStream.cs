using EcoMonitor.Core.Readings;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// The fleet's readings, one round at a time: in a round every device reports every metric once,
/// at its own offset in the interval, so each series gets exactly one reading per round and event
/// time only moves forward. A value is the device's level, a daily cycle, a slow excursion of its
/// own (autocorrelated, as a real signal: a minute changes it little, an hour a lot) and a little
/// sensor noise; so thresholds near a dirty site's level are crossed now and then and transitions
/// happen as they do live, without every reading flapping. Stuck devices repeat themselves.
/// Deterministic: the same seed gives the same stream.
/// </summary>
internal sealed class ReadingStream(Fleet fleet, int seed = 7)
{
    /// <summary>A Monday, midnight UTC: where event time starts.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private const double DayMs = 86_400_000;

    /// <summary>Round-to-round correlation of a series' excursion, and its size in spreads.</summary>
    private const double Persistence = 0.97;
    private const double Excursion = 0.5;
    private const double SensorNoise = 0.03;

    private readonly Random _random = new(seed);
    private readonly double[] _excursions = new double[Fleet.ReadingsPerRound];
    private long _roundStartMs = Start.ToUnixTimeMilliseconds();

    /// <summary>When the last round returned was received (its last reading plus a second of transport).</summary>
    public DateTimeOffset ReceivedAt { get; private set; } = Start;

    /// <summary>
    /// The next round, <see cref="Fleet.ReadingsPerRound"/> readings; the one after starts
    /// <paramref name="interval"/> later (the reporting interval).
    /// </summary>
    public Reading[] NextRound(TimeSpan interval)
    {
        var readings = new Reading[Fleet.ReadingsPerRound];
        var n = 0;
        var lastMs = _roundStartMs;
        foreach (var device in fleet.Devices)
        {
            var timestampMs = _roundStartMs + device.OffsetMs;
            lastMs = timestampMs;
            var cycle = Math.Sin((Math.Tau * (timestampMs % (long)DayMs) / DayMs) + device.Phase);
            foreach (var metric in Fleet.MetricsOf(device.Kind))
            {
                // AR(1): stationary with standard deviation Excursion.
                _excursions[n] = (Persistence * _excursions[n]) + (Excursion * Math.Sqrt(1 - (Persistence * Persistence)) * Gaussian());
                var value = device.Stuck
                    ? metric.Typical * device.Level
                    : (metric.Typical * device.Level) + (metric.Spread * ((0.6 * cycle) + _excursions[n] + (SensorNoise * Gaussian())));
                readings[n++] = new Reading(
                    device.Kind,
                    device.Site,
                    device.Name,
                    metric.Name,
                    Math.Round(Math.Clamp(value, metric.Min, metric.Max), 2),
                    timestampMs);
            }
        }

        ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(lastMs + 1000);
        _roundStartMs += (long)interval.TotalMilliseconds;
        return readings;
    }

    /// <summary>Standard normal (Box–Muller).</summary>
    private double Gaussian() =>
        Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(Math.Tau * _random.NextDouble());
}
