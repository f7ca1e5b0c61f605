namespace EcoMonitor.FirmwareSim.Load;

/// <summary>
/// Paces the load generator's sends on a fixed schedule: message <c>i</c> (from 0) is due at
/// <c>i / rate</c> after the start, so a run of <c>rate × T</c> messages ends at <c>T</c>. Time is
/// whatever the caller measures (a <see cref="TimeProvider"/>'s timestamps, i.e. a Stopwatch), so a
/// late timer wake-up costs nothing: the next call grants everything that fell due meanwhile.
/// <para>
/// Two bounds keep that catching-up from turning into a burst. A grant is never larger than
/// <see cref="MaxBurst"/>, the sends due in <see cref="Window"/> (the catch-up window). And grants
/// draw from a token bucket of that size refilled at <see cref="CatchUpFactor"/> × rate, so
/// behind schedule the pacer sends at most twice the requested rate until it is back on time: over
/// any interval Δ it grants at most <c>MaxBurst + 2 × rate × Δ</c>, and it is never ahead of schedule.
/// Nothing is skipped: a message's latency is measured from its scheduled time, so a stall shows in
/// the percentiles instead of being hidden (no coordinated omission).
/// </para>
/// </summary>
public sealed class SendPacer
{
    /// <summary>How much faster than the requested rate the pacer sends while it is behind schedule.</summary>
    public const double CatchUpFactor = 2;

    /// <summary>
    /// The shortest wait of <see cref="TakeAsync"/>: .NET timers have millisecond resolution, so the pacer
    /// wakes about once a millisecond and sends what fell due since (10 messages at 10,000/s). A message
    /// thus leaves up to about a millisecond after its scheduled time, which its latency includes.
    /// </summary>
    public static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);

    private readonly double _ticksPerMessage;
    private readonly double _tokensPerTick;
    private double _tokens;
    private long _lastRefillTicks;

    /// <param name="rate">Messages per second.</param>
    /// <param name="total">Messages in the run.</param>
    /// <param name="window">The catch-up window: the largest grant is the messages due in it (at least one).</param>
    public SendPacer(double rate, long total, TimeSpan window)
    {
        if (!double.IsFinite(rate) || rate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "The rate must be a positive number of messages per second.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        Rate = rate;
        Total = total;
        Window = window;
        MaxBurst = (int)Math.Clamp(Math.Ceiling(rate * window.TotalSeconds), 1, int.MaxValue);
        _ticksPerMessage = TimeSpan.TicksPerSecond / rate;
        _tokensPerTick = CatchUpFactor * rate / TimeSpan.TicksPerSecond;
        _tokens = MaxBurst;
    }

    public double Rate { get; }

    public long Total { get; }

    public TimeSpan Window { get; }

    /// <summary>The largest single grant.</summary>
    public int MaxBurst { get; }

    /// <summary>Messages granted so far; the next grant starts at this index.</summary>
    public long Granted { get; private set; }

    public bool IsComplete => Granted >= Total;

    /// <summary>When message <paramref name="index"/> is due, after the start.</summary>
    public TimeSpan DueAt(long index) => TimeSpan.FromTicks((long)Math.Ceiling(index * _ticksPerMessage));

    /// <summary>Messages due by <paramref name="elapsed"/>: those with <c>DueAt(i) ≤ elapsed</c>.</summary>
    public long DueBy(TimeSpan elapsed) =>
        elapsed < TimeSpan.Zero ? 0 : Math.Min(Total, (long)Math.Floor(elapsed.Ticks / _ticksPerMessage) + 1);

    /// <summary>
    /// How many messages may be sent at <paramref name="elapsed"/> (time since the start; never
    /// decreasing between calls). 0 with <paramref name="wait"/> &gt; 0: nothing may go before that
    /// much more time has passed; 0 with <see cref="IsComplete"/>: the run is fully granted.
    /// </summary>
    public int Take(TimeSpan elapsed, out TimeSpan wait)
    {
        if (IsComplete)
        {
            wait = TimeSpan.Zero;
            return 0;
        }

        var now = Math.Max(elapsed.Ticks, _lastRefillTicks);
        _tokens = Math.Min(MaxBurst, _tokens + ((now - _lastRefillTicks) * _tokensPerTick));
        _lastRefillTicks = now;

        var backlog = DueBy(TimeSpan.FromTicks(now)) - Granted;
        if (backlog <= 0)
        {
            wait = TimeSpan.FromTicks(Math.Max(1, DueAt(Granted).Ticks - now));
            return 0;
        }

        var grant = (int)Math.Min(backlog, Math.Floor(_tokens));
        if (grant == 0)
        {
            // Behind schedule and the bucket is empty: the next token comes at the catch-up rate.
            wait = TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling((1 - _tokens) / _tokensPerTick)));
            return 0;
        }

        _tokens -= grant;
        Granted += grant;
        wait = TimeSpan.Zero;
        return grant;
    }

    /// <summary>
    /// Waits on <paramref name="timeProvider"/> until messages may go and returns how many; 0 once
    /// the run is fully granted or <paramref name="stopAt"/> (after the start) has passed.
    /// </summary>
    public async ValueTask<int> TakeAsync(TimeProvider timeProvider, long startTimestamp, TimeSpan stopAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        while (true)
        {
            var elapsed = timeProvider.GetElapsedTime(startTimestamp);
            if (elapsed >= stopAt)
            {
                return 0;
            }

            var grant = Take(elapsed, out var wait);
            if (grant > 0 || IsComplete)
            {
                return grant;
            }

            // Timers tick in whole milliseconds: a shorter delay would complete at once and spin a core.
            await Task.Delay(wait < MinimumWait ? MinimumWait : wait, timeProvider, ct);
        }
    }
}
