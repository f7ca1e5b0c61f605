using BenchmarkDotNet.Attributes;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Storage;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// Cost of <see cref="LineProtocol.Format"/>, the only way readings become store points
/// (docs/schema.md#readings), per reading: 5,000 readings as the batch writer hands them over. The
/// baseline is one reading per point (1 reading per message: every reading another device's);
/// then records, where a device's readings of one time share a line (50 readings per message).
/// <c>AuditBenchmarks.StoreLines</c> is the baseline's shape at 1,000 readings.
/// </summary>
[MemoryDiagnoser]
public class LineProtocolBenchmarks
{
    private const int Readings = 5000;

    private List<Reading> _single = [];
    private List<Reading> _records = [];

    [GlobalSetup]
    public void Setup()
    {
        _single = [.. FleetMessages.OneReadingEach(Readings).SelectMany(m => m)];
        _records = [.. FleetMessages.Records(Readings / 50, 50).SelectMany(m => m)];
        if (_single.Count != Readings || _records.Count != Readings)
        {
            throw new InvalidOperationException($"{_single.Count} and {_records.Count} readings, not {Readings}");
        }

        Console.WriteLine($"// {LineProtocol.Format(_single).Count():N0} and {LineProtocol.Format(_records).Count():N0} lines for {Readings:N0} readings");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Readings, Description = "1 reading per point")]
    public int SingleField() => Format(_single);

    [Benchmark(OperationsPerInvoke = Readings, Description = "a record per point (4–6 readings)")]
    public int Records() => Format(_records);

    private static int Format(List<Reading> readings)
    {
        var chars = 0;
        foreach (var line in LineProtocol.Format(readings))
        {
            chars += line.Length;
        }

        return chars;
    }
}
