using System.Diagnostics;
using System.Globalization;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// Latencies of calls made on a fixed schedule (open loop): each call's latency runs from the time
/// it was due, not from when it could start, so a call held up by a lock also charges the calls
/// that could not be made meanwhile (coordinated omission), as ingestion would feel it.
/// </summary>
public sealed class LatencyRecorder(TimeSpan interval)
{
    private readonly List<double> _microseconds = [];

    /// <summary>Calls <paramref name="call"/> every <see cref="interval"/> until <paramref name="until"/> says stop.</summary>
    public int Run(Action call, Func<bool> until)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(until);
        var clock = Stopwatch.StartNew();
        var due = TimeSpan.Zero;
        var calls = 0;
        while (!until())
        {
            while (clock.Elapsed < due)
            {
                Thread.SpinWait(20);
            }

            call();
            _microseconds.Add((clock.Elapsed - due).TotalMicroseconds);
            due += interval;
            calls++;
        }

        return calls;
    }

    /// <summary>One line for the benchmark log: count, p50, p99, max.</summary>
    public string Summary(string what)
    {
        if (_microseconds.Count == 0)
        {
            return $"// {what}: no calls";
        }

        var sorted = _microseconds.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return string.Create(
            CultureInfo.InvariantCulture,
            $"// {what}: {sorted.Length:N0} calls, p50 {At(0.50):N0} µs, p99 {At(0.99):N0} µs, max {sorted[^1]:N0} µs");
    }
}
