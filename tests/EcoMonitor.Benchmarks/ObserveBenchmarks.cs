using BenchmarkDotNet.Attributes;
using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// Cost of <see cref="AlertEvaluator.Observe"/> per reading: 10,000 devices (52,500 series), the
/// realistic 1,000 rules (<see cref="RuleSets.Realistic"/>), against the same stream through a
/// single rule (the baseline, so Ratio is what 1,000 rules cost over a trivial set).
/// </summary>
/// <remarks>
/// <para>One invocation is one round: every series gets its next reading (52,500 calls; the
/// baseline, much faster, takes 50 rounds), and the figures are divided by the readings observed
/// (<c>OperationsPerInvoke</c>), so Mean and Allocated are per reading.
/// Each round is made in <c>[IterationSetup]</c>, outside the measurement (time and allocations):
/// event time must keep moving forward, or the states would skip the readings as out of order and
/// the benchmark would measure that shortcut. The receive clock is a fake set to the end of the rounds.</para>
/// <para>Steady: the states exist and the windows are full; <c>[GlobalSetup]</c> gets there with
/// <see cref="Workload.WarmUp"/> (a day of hourly rounds, then an hour of minute rounds), and the
/// measured rounds follow a minute apart, the fleet's reporting interval.
/// Cold: a new evaluator each round, so every reading is the first of its series and creates its
/// states (the start of the service, or a fleet appearing).</para>
/// </remarks>
[MemoryDiagnoser]
public class ObserveBenchmarks
{
    private const int Readings = Fleet.ReadingsPerRound;

    /// <summary>
    /// The baseline observes this many rounds per invocation: one round through a single rule takes
    /// about 2 ms, and an iteration should last 100 ms or more to be measured well.
    /// </summary>
    private const int BaselineRounds = 50;

    private readonly Fleet _fleet = new();
    private IReadOnlyList<AlertRule> _rules = [];
    private ReadingStream _stream = null!;
    private FakeTimeProvider _clock = null!;
    private AlertEvaluator _evaluator = null!;
    private Reading[][] _rounds = [];

    [GlobalSetup(Target = nameof(OneRule))]
    public void SetupOneRule() => SetupSteady(RuleSets.Single());

    [GlobalSetup(Target = nameof(Rules1000))]
    public void SetupRules1000() => SetupSteady(RuleSets.Realistic());

    [GlobalSetup(Target = nameof(Rules1000Cold))]
    public void SetupRules1000Cold()
    {
        _rules = RuleSets.Realistic();
        _stream = new ReadingStream(_fleet);
        _rounds = [_stream.NextRound(Workload.ReportingInterval)];
    }

    [IterationSetup(Target = nameof(OneRule))]
    public void NextBaselineRounds() => NextRounds(BaselineRounds);

    [IterationSetup(Target = nameof(Rules1000))]
    public void NextRound() => NextRounds(1);

    [IterationSetup(Target = nameof(Rules1000Cold))]
    public void NewEvaluator()
    {
        _clock = new FakeTimeProvider(_stream.ReceivedAt);
        _evaluator = new AlertEvaluator(_rules, _clock);
    }

    [IterationCleanup(Target = nameof(Rules1000Cold))]
    public void CheckCold() => Check(_evaluator);

    [GlobalCleanup]
    public void Report()
    {
        Check(_evaluator);
        Console.WriteLine($"// {_rules.Count} rules, {_evaluator.StateCount:N0} states, {_evaluator.OutOfOrderReadings} out of order");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Readings * BaselineRounds, Description = "Observe, 1 rule (steady)")]
    public int OneRule() => ObserveRounds();

    [Benchmark(OperationsPerInvoke = Readings, Description = "Observe, 1,000 rules (steady)")]
    public int Rules1000() => ObserveRounds();

    [Benchmark(OperationsPerInvoke = Readings, Description = "Observe, 1,000 rules (cold: first reading of each series)")]
    public int Rules1000Cold() => ObserveRounds();

    private int ObserveRounds()
    {
        var evaluator = _evaluator;
        var transitions = 0;
        foreach (var round in _rounds)
        {
            foreach (var reading in round)
            {
                transitions += evaluator.Observe(reading).Count;
            }
        }

        return transitions;
    }

    /// <summary>
    /// The next <paramref name="count"/> rounds, the receive clock at the end of the last: over
    /// several rounds the earlier transitions come out marked late, a flag that costs the same.
    /// </summary>
    private void NextRounds(int count)
    {
        _rounds = new Reading[count][];
        for (var i = 0; i < count; i++)
        {
            _rounds[i] = _stream.NextRound(Workload.ReportingInterval);
        }

        _clock.SetUtcNow(_stream.ReceivedAt);
    }

    private void SetupSteady(IReadOnlyList<AlertRule> rules)
    {
        _rules = rules;
        _stream = new ReadingStream(_fleet);
        _clock = new FakeTimeProvider(ReadingStream.Start);
        _evaluator = new AlertEvaluator(rules, _clock);
        var transitions = Workload.WarmUp(_evaluator, _stream, _clock);
        Check(_evaluator);
        Console.WriteLine($"// warmed: {rules.Count} rules, {_evaluator.StateCount:N0} states, {transitions:N0} transitions");
    }

    /// <summary>Every rule runs and every series is tracked, or the figures would flatter the evaluator.</summary>
    private static void Check(AlertEvaluator evaluator)
    {
        if (evaluator.NotEvaluated.Count > 0 || evaluator.UntrackedObservations > 0)
        {
            throw new InvalidOperationException(
                $"{evaluator.NotEvaluated.Count} rules not evaluated, {evaluator.UntrackedObservations} observations untracked");
        }
    }
}
