using BenchmarkDotNet.Attributes;
using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// Cost of one <see cref="AlertEvaluator.Tick"/> (the service calls it every 10 s, under the lock
/// that <see cref="AlertEvaluator.Observe"/> takes) with 10,000 devices that all report: no deadman
/// is due, nothing is idle, so this is the price of every tick in normal operation. Baseline: only
/// the 20 deadman rules of the realistic set; then the whole set, whose series states Tick also
/// scans for idle expiry.
/// </summary>
[MemoryDiagnoser]
public class TickBenchmarks
{
    private AlertEvaluator _evaluator = null!;

    [GlobalSetup(Target = nameof(DeadmanOnly))]
    public void SetupDeadmanOnly() =>
        Setup([.. RuleSets.Realistic().Where(r => r.Condition is DeadmanCondition)]);

    [GlobalSetup(Target = nameof(Rules1000))]
    public void SetupRules1000() => Setup(RuleSets.Realistic());

    [Benchmark(Baseline = true, Description = "Tick, 20 deadman rules")]
    public int DeadmanOnly() => _evaluator.Tick().Count;

    [Benchmark(Description = "Tick, 1,000 rules")]
    public int Rules1000() => _evaluator.Tick().Count;

    private void Setup(IReadOnlyList<AlertRule> rules)
    {
        var fleet = new Fleet();
        var stream = new ReadingStream(fleet);
        var clock = new FakeTimeProvider(ReadingStream.Start);
        _evaluator = new AlertEvaluator(rules, clock);
        for (var i = 0; i < 2; i++)
        {
            var round = stream.NextRound(Workload.ReportingInterval);
            clock.SetUtcNow(stream.ReceivedAt);
            foreach (var reading in round)
            {
                _evaluator.Observe(reading);
            }
        }

        // A tick's worth later: every device reported within the last two minutes.
        clock.Advance(TimeSpan.FromSeconds(10));
        var fired = _evaluator.Tick().Count;
        Console.WriteLine($"// {rules.Count} rules, {_evaluator.StateCount:N0} states, first tick: {fired} transitions");
        if (fired != 0 || _evaluator.UntrackedObservations != 0)
        {
            throw new InvalidOperationException("the fleet should be quiet and fully tracked before the ticks are measured");
        }
    }
}
