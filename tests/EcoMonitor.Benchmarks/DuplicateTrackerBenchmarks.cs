using BenchmarkDotNet.Attributes;
using EcoMonitor.Core.Readings;
using EcoMonitor.Ingest.Ingestion;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// Cost of <see cref="DuplicateTracker.CountRepeats"/>, which <c>MessageHandler</c> calls for every
/// message's accepted readings, per message: steady, the 10,000 devices of the <see cref="Fleet"/>
/// already seen, each message with new seqs (no repeats). Baseline: messages of one reading (one
/// seq); then 50 readings, records of 4–6 readings that share a seq (9 to 13 seqs a message).
/// </summary>
/// <remarks>
/// A round is a message from every device; one invocation is <see cref="OneReadingRounds"/> (or
/// <see cref="FiftyReadingRounds"/>) rounds, so an iteration lasts long enough to be measured well,
/// and the figures are divided by the messages (<c>OperationsPerInvoke</c>). The rounds are made in
/// <c>[IterationSetup]</c>, outside the measurement: each round's seqs must be new, or the tracker
/// would count repeats and the benchmark would measure that path instead.
/// </remarks>
[MemoryDiagnoser]
public class DuplicateTrackerBenchmarks
{
    private const int OneReadingRounds = 40;
    private const int FiftyReadingRounds = 4;

    private readonly Fleet _fleet = new();
    private DuplicateTracker _tracker = null!;
    private Reading[][] _messages = [];
    private int _round;
    private long _repeats;

    [GlobalSetup(Target = nameof(OneReading))]
    public void SetupOneReading() => WarmUp(1);

    [GlobalSetup(Target = nameof(FiftyReadings))]
    public void SetupFiftyReadings() => WarmUp(50);

    [IterationSetup(Target = nameof(OneReading))]
    public void NextOneReadingRounds() => _messages = NextRounds(1, OneReadingRounds);

    [IterationSetup(Target = nameof(FiftyReadings))]
    public void NextFiftyReadingRounds() => _messages = NextRounds(50, FiftyReadingRounds);

    [GlobalCleanup]
    public void Check()
    {
        if (_repeats != 0)
        {
            throw new InvalidOperationException($"{_repeats} repeats counted where every seq was new");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Fleet.DeviceCount * OneReadingRounds, Description = "CountRepeats, 1 reading (steady, 10,000 devices)")]
    public long OneReading() => CountAll();

    [Benchmark(OperationsPerInvoke = Fleet.DeviceCount * FiftyReadingRounds, Description = "CountRepeats, 50 readings (steady, 10,000 devices)")]
    public long FiftyReadings() => CountAll();

    private long CountAll()
    {
        var repeats = 0L;
        foreach (var message in _messages)
        {
            repeats += _tracker.CountRepeats(message);
        }

        _repeats += repeats;
        return repeats;
    }

    private void WarmUp(int readings)
    {
        _tracker = new DuplicateTracker();
        _round = 0;
        _messages = NextRounds(readings, 2);
        CountAll();
    }

    /// <summary>
    /// The next <paramref name="rounds"/> rounds: per device a message of <paramref name="readings"/>
    /// readings, its records (the kind's metrics, the last record short) numbered on from the previous
    /// message's, as a node's firmware numbers them. Only kind, site, device and seq matter here.
    /// </summary>
    private Reading[][] NextRounds(int readings, int rounds)
    {
        var messages = new Reading[rounds * _fleet.Devices.Count][];
        var n = 0;
        for (var r = 0; r < rounds; r++, _round++)
        {
            foreach (var device in _fleet.Devices)
            {
                var metrics = Fleet.MetricsOf(device.Kind);
                var records = (readings + metrics.Count - 1) / metrics.Count;
                var message = new Reading[readings];
                for (var i = 0; i < readings; i++)
                {
                    var record = i / metrics.Count;
                    var metric = metrics[i % metrics.Count];
                    message[i] = new Reading(device.Kind, device.Site, device.Name, metric.Name, metric.Typical, record, ((long)_round * records) + record + 1);
                }

                messages[n++] = message;
            }
        }

        return messages;
    }
}
