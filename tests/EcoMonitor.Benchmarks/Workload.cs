using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// The steady state the benchmarks measure, and <c>--describe</c>: what they measure, in numbers
/// (the rule mix, the states the fleet creates, how many readings change an alert's state, each
/// change allocating a transition).
/// </summary>
internal static class Workload
{
    /// <summary>The fleet's reporting interval: one round a minute once warm.</summary>
    public static readonly TimeSpan ReportingInterval = TimeSpan.FromMinutes(1);

    private const int HourlyRounds = 23;
    private const int MinuteRounds = 60;

    /// <summary>
    /// Brings <paramref name="evaluator"/> to its steady state: 23 rounds an hour apart, then an
    /// hour of rounds a minute apart. After it every series has its states, every 24 h window has
    /// 24 hourly buckets with a value (so <c>min_count</c> is met and the threshold behind it runs),
    /// and every raw 1 h window holds an hour of minute readings, its ring grown to its final size
    /// (it doubles from 8 slots as it fills: measured earlier, that growth shows as allocations
    /// that steady operation does not have). Returns the transitions seen.
    /// </summary>
    public static int WarmUp(AlertEvaluator evaluator, ReadingStream stream, FakeTimeProvider clock)
    {
        var transitions = 0;
        for (var round = 0; round < HourlyRounds + MinuteRounds; round++)
        {
            var readings = stream.NextRound(round < HourlyRounds - 1 ? TimeSpan.FromHours(1) : ReportingInterval);
            clock.SetUtcNow(stream.ReceivedAt);
            foreach (var reading in readings)
            {
                transitions += evaluator.Observe(reading).Count;
            }
        }

        return transitions;
    }

    public static void Describe(TextWriter output)
    {
        var rules = RuleSets.Realistic();
        output.WriteLine($"fleet: {Fleet.DeviceCount:N0} devices on {Fleet.Regions.Count * Fleet.SitesPerRegion} sites, {Fleet.ReadingsPerRound:N0} series (one reading each per round)");
        output.WriteLine("rules: " + string.Join(", ", rules.GroupBy(Family).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}")));

        var stream = new ReadingStream(new Fleet());
        var clock = new FakeTimeProvider(ReadingStream.Start);
        var evaluator = new AlertEvaluator(rules, clock);
        var warm = WarmUp(evaluator, stream, clock);
        output.WriteLine($"warm-up ({HourlyRounds} hourly and {MinuteRounds} minute rounds): {evaluator.StateCount:N0} states, {warm:N0} transitions");

        var families = rules.ToDictionary(r => r.Name, Family, StringComparer.Ordinal);
        for (var round = 1; round <= 5; round++)
        {
            var readings = stream.NextRound(ReportingInterval);
            clock.SetUtcNow(stream.ReceivedAt);
            var transitions = new List<AlertTransition>(capacity: 10_000);
            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var reading in readings)
            {
                transitions.AddRange(evaluator.Observe(reading));
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            var byFamily = transitions.GroupBy(t => families[t.RuleName]).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key} {g.Count()} ({g.Count(t => t.To == AlertState.Firing)} to firing)");
            output.WriteLine($"steady round {round}: {transitions.Count:N0} transitions in {readings.Length:N0} readings "
                + $"({string.Join(", ", byFamily)}); {allocated / (double)readings.Length:F1} B/reading allocated by the evaluator");
        }
    }

    private static string Family(AlertRule rule) => rule.Condition switch
    {
        ThresholdCondition { Window: not null } => "window",
        ThresholdCondition => "threshold",
        RateCondition => "rate",
        StuckCondition => "stuck",
        DeadmanCondition => "deadman",
        _ => "other",
    };
}
