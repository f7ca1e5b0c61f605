using EcoMonitor.FirmwareSim.Load;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Load;

/// <summary>The load generator's pacing, on a clock the test moves.</summary>
public sealed class SendPacerTests
{
    [Theory]
    [InlineData(10_000, 1, 5, 0.1)]   // 10,000/s for 1 s, woken every 0.1 ms
    [InlineData(10_000, 3, 5, 1.0)]   // woken every millisecond, as the real timer does
    [InlineData(10_000, 2, 10, 7.0)]  // a slow timer: 70 due per wake-up (the window must cover a wake-up interval)
    [InlineData(333, 2, 5, 1.0)]      // fewer than one message per millisecond
    [InlineData(50_000, 1, 2, 0.5)]
    public void At_rate_r_over_t_it_grants_r_times_t_sends_never_ahead_and_never_more_than_the_window_at_once(double rate, double seconds, double windowMs, double stepMs)
    {
        var total = (long)Math.Round(rate * seconds);
        var pacer = new SendPacer(rate, total, TimeSpan.FromMilliseconds(windowMs));
        var grants = Drive(pacer, TimeSpan.FromMilliseconds(stepMs), TimeSpan.FromSeconds(seconds + 1));

        Assert.Equal(total, pacer.Granted);
        Assert.True(pacer.IsComplete);
        Assert.All(grants, g => Assert.InRange(g.Count, 1, pacer.MaxBurst));
        Assert.Equal((int)Math.Ceiling(rate * windowMs / 1000), pacer.MaxBurst);
        // Never ahead of schedule: by each grant, everything granted was due.
        Assert.All(grants, g => Assert.True(g.GrantedAfter <= pacer.DueBy(g.At), $"{g.GrantedAfter} granted by {g.At}, only {pacer.DueBy(g.At)} due"));
        // On time: the last message goes within one step (or one window's catch-up) of its schedule.
        Assert.True(grants[^1].At <= pacer.DueAt(total - 1) + TimeSpan.FromMilliseconds(Math.Max(stepMs, windowMs)));
    }

    [Fact]
    public void After_a_stall_it_catches_up_at_twice_the_rate_in_bursts_no_larger_than_the_window()
    {
        var pacer = new SendPacer(10_000, 20_000, TimeSpan.FromMilliseconds(5));
        var grants = new List<Grant>();
        var t = TimeSpan.Zero;
        void Step(TimeSpan at)
        {
            t = at;
            while (pacer.Take(t, out _) is var n and > 0)
            {
                grants.Add(new Grant(t, n, pacer.Granted));
            }
        }

        for (var ms = 0; ms <= 100; ms++)
        {
            Step(TimeSpan.FromMilliseconds(ms));
        }

        var beforeStall = pacer.Granted;
        Assert.Equal(1001, beforeStall);

        // The process stalls for half a second (a GC pause, a descheduled thread): 5,000 messages fall due.
        Step(TimeSpan.FromMilliseconds(600));
        Assert.Equal(beforeStall + pacer.MaxBurst, pacer.Granted);

        for (var tenth = 6001; tenth <= 20_000; tenth++)
        {
            Step(TimeSpan.FromTicks(tenth * 1000));
        }

        Assert.Equal(20_000, pacer.Granted);
        Assert.All(grants, g => Assert.InRange(g.Count, 1, pacer.MaxBurst));

        // Over any interval the pacer grants at most the window plus twice the rate times the interval.
        var catchUp = grants.Where(g => g.At >= TimeSpan.FromMilliseconds(600)).ToArray();
        for (var i = 0; i < catchUp.Length; i += 7)
        {
            for (var j = i; j < catchUp.Length; j += 13)
            {
                var sent = catchUp[j].GrantedAfter - catchUp[i].GrantedAfter + catchUp[i].Count;
                var bound = pacer.MaxBurst + (SendPacer.CatchUpFactor * pacer.Rate * (catchUp[j].At - catchUp[i].At).TotalSeconds) + 1;
                Assert.True(sent <= bound, $"{sent} granted between {catchUp[i].At} and {catchUp[j].At}, bound {bound}");
            }
        }

        // Behind by 5,000 at 600 ms and gaining 10,000/s: back on schedule about half a second later.
        var caughtUp = grants.First(g => g.At > TimeSpan.FromMilliseconds(600) && g.GrantedAfter >= pacer.DueBy(g.At) - 1).At;
        Assert.InRange(caughtUp, TimeSpan.FromMilliseconds(1050), TimeSpan.FromMilliseconds(1150));
    }

    [Fact]
    public void The_wait_says_when_the_next_send_is_due()
    {
        var pacer = new SendPacer(1000, 10, TimeSpan.FromMilliseconds(5));
        Assert.Equal(1, pacer.Take(TimeSpan.Zero, out _));
        Assert.Equal(0, pacer.Take(TimeSpan.FromMicroseconds(300), out var wait));
        Assert.Equal(TimeSpan.FromMicroseconds(700), wait);
        Assert.Equal(3, pacer.Take(TimeSpan.FromMilliseconds(3.5), out _));
        Assert.Equal(TimeSpan.FromMilliseconds(4), pacer.DueAt(4));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(7777)]
    [InlineData(10_000)]
    [InlineData(123_456.7)]
    public void Due_times_and_due_counts_agree(double rate)
    {
        var pacer = new SendPacer(rate, 1_000_000, TimeSpan.FromMilliseconds(5));
        for (var i = 0L; i < 5000; i += 1 + (i / 10))
        {
            Assert.Equal(i + 1, pacer.DueBy(pacer.DueAt(i)));
            Assert.Equal(i, pacer.DueBy(pacer.DueAt(i) - TimeSpan.FromTicks(1)));
        }
    }

    [Fact]
    public async Task Take_async_waits_on_the_time_provider_and_stops_at_the_deadline()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero));
        var pacer = new SendPacer(2000, 1000, TimeSpan.FromMilliseconds(5));
        var start = time.GetTimestamp();
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(1, await pacer.TakeAsync(time, start, TimeSpan.FromSeconds(10), ct));
        var pending = pacer.TakeAsync(time, start, TimeSpan.FromSeconds(10), ct).AsTask();
        Assert.False(pending.IsCompleted);
        // Timers tick in milliseconds: the pacer sleeps at least one, then sends what fell due (2 at 2,000/s).
        time.Advance(TimeSpan.FromMilliseconds(0.5));
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(0.5));
        Assert.Equal(2, await pending);

        var grants = new List<int>();
        while (!pacer.IsComplete)
        {
            var next = pacer.TakeAsync(time, start, TimeSpan.FromSeconds(10), ct).AsTask();
            while (!next.IsCompleted)
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
            }

            grants.Add(await next);
        }

        Assert.Equal(1000, pacer.Granted);
        Assert.All(grants, g => Assert.InRange(g, 1, pacer.MaxBurst));
        Assert.InRange(time.GetElapsedTime(start), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(520));

        var late = new SendPacer(2000, 1000, TimeSpan.FromMilliseconds(5));
        Assert.Equal(0, await late.TakeAsync(time, start, TimeSpan.FromMilliseconds(400), ct));
    }

    [Fact]
    public void Nonsense_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SendPacer(0, 1, TimeSpan.FromMilliseconds(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SendPacer(double.NaN, 1, TimeSpan.FromMilliseconds(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SendPacer(1, -1, TimeSpan.FromMilliseconds(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SendPacer(1, 1, TimeSpan.Zero));
        Assert.Equal(1, new SendPacer(10, 1, TimeSpan.FromMilliseconds(1)).MaxBurst);
    }

    private static List<Grant> Drive(SendPacer pacer, TimeSpan step, TimeSpan until)
    {
        var grants = new List<Grant>();
        for (var t = TimeSpan.Zero; t <= until && !pacer.IsComplete; t += step)
        {
            while (pacer.Take(t, out _) is var n and > 0)
            {
                grants.Add(new Grant(t, n, pacer.Granted));
            }
        }

        return grants;
    }

    private readonly record struct Grant(TimeSpan At, int Count, long GrantedAfter);
}
