using EcoMonitor.Service.Auth;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Service.Tests.Auth;

/// <summary>The lockout on its clock: N failures within the window lock a name for the window, and nothing else grows the table.</summary>
public sealed class LoginThrottleTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));
    private readonly LoginThrottle _throttle;

    public LoginThrottleTests()
    {
        _throttle = new LoginThrottle(_time, Options.Create(new AuthOptions { MaxFailedLogins = 3, LockoutWindow = TimeSpan.FromMinutes(15) }));
    }

    [Fact]
    public void The_last_of_N_failures_within_the_window_locks_the_name_for_the_window()
    {
        Assert.Null(_throttle.Failed("wang", known: true));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(_throttle.Failed("WANG", known: true));
        Assert.Null(_throttle.LockedUntil("wang"));

        _time.Advance(TimeSpan.FromMinutes(1));
        var until = _throttle.Failed("wang", known: true);

        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(15), until);
        Assert.Equal(until, _throttle.LockedUntil("Wang"));
        Assert.Null(_throttle.LockedUntil("li"));

        _time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        Assert.NotNull(_throttle.LockedUntil("wang"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(_throttle.LockedUntil("wang"));
    }

    [Fact]
    public void Failures_further_apart_than_the_window_do_not_add_up()
    {
        _throttle.Failed("wang", known: true);
        _throttle.Failed("wang", known: true);
        _time.Advance(TimeSpan.FromMinutes(16));

        Assert.Null(_throttle.Failed("wang", known: true));
        Assert.Null(_throttle.Failed("wang", known: true));
        Assert.NotNull(_throttle.Failed("wang", known: true));
    }

    [Fact]
    public void A_success_forgets_the_failures()
    {
        _throttle.Failed("wang", known: true);
        _throttle.Failed("wang", known: true);
        _throttle.Succeeded("wang");

        Assert.Null(_throttle.Failed("wang", known: true));
        Assert.Null(_throttle.Failed("wang", known: true));
        Assert.Equal(1, _throttle.Tracked);
    }

    [Fact]
    public void An_unknown_name_locks_like_a_user_so_the_lock_does_not_tell_which_names_exist()
    {
        _throttle.Failed("nobody", known: false);
        _throttle.Failed("nobody", known: false);

        Assert.NotNull(_throttle.Failed("nobody", known: false));
        Assert.NotNull(_throttle.LockedUntil("nobody"));
    }

    [Fact]
    public void A_flood_of_made_up_names_stays_bounded_and_does_not_evict_a_users_lock()
    {
        for (var i = 0; i < 3; i++)
        {
            _throttle.Failed("wang", known: true);
        }

        for (var i = 0; i < LoginThrottle.MaxTrackedUnknown * 5; i++)
        {
            _throttle.Failed($"random-{i}", known: false);
        }

        _throttle.Failed(new string('x', 10_000), known: false);

        Assert.True(_throttle.Tracked <= LoginThrottle.MaxTrackedUnknown + 1, $"{_throttle.Tracked} names tracked");
        Assert.NotNull(_throttle.LockedUntil("wang"));
    }
}
