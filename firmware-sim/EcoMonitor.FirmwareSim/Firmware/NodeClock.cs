namespace EcoMonitor.FirmwareSim.Firmware;

/// <summary>
/// A node's real-time clock: set <see cref="NodeTraits.ClockOffset"/> off when the run starts and running
/// <see cref="NodeTraits.DriftPpm"/> fast or slow from there. Payload timestamps come from it, as they do
/// on a device that has no time sync while it runs.
/// </summary>
/// <param name="time">The simulator's (true) time.</param>
/// <param name="origin">True time at which the drift starts to count (the run's start).</param>
internal sealed class NodeClock(TimeProvider time, DateTimeOffset origin, double driftPpm, TimeSpan offset)
{
    private long _lastMilliseconds = long.MinValue;

    /// <summary>The node's idea of now.</summary>
    public DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        var drift = TimeSpan.FromTicks((long)Math.Round((now - origin).Ticks * driftPpm / 1_000_000));
        return now + offset + drift;
    }

    /// <summary>
    /// The timestamp of the node's next message: <see cref="Now"/> truncated to milliseconds and strictly
    /// after the previous one, since a device timestamp is the reading's identity downstream (a slow
    /// clock at a 1 ms interval would otherwise stamp two messages alike). Not thread-safe: one node
    /// stamps its messages one at a time.
    /// </summary>
    public DateTimeOffset Stamp()
    {
        var milliseconds = Math.Max(Now().ToUnixTimeMilliseconds(), _lastMilliseconds + 1);
        _lastMilliseconds = milliseconds;
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }
}
