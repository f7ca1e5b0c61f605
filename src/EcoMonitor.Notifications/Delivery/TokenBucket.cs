
namespace EcoMonitor.Notifications.Delivery;

/// <summary>
/// A channel's rate limit: up to <c>perMinute</c> messages, refilled evenly over a minute. A
/// message over the limit waits for its token (queued, never dropped). On
/// <see cref="TimeProvider"/>, so tests drive it with a fake clock.
/// </summary>
internal sealed class TokenBucket(int perMinute, TimeProvider time)
{
    private readonly double _capacity = perMinute;
    private readonly double _perSecond = perMinute / 60.0;
    private double _tokens = perMinute;
    private DateTimeOffset _updated = time.GetUtcNow();

    /// <summary>How long until a token is free (zero: now).</summary>
    public TimeSpan Wait()
    {
        Refill();
        return _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / _perSecond);
    }

    /// <summary>Takes a token; call when <see cref="Wait"/> said zero.</summary>
    public void Take()
    {
        Refill();
        _tokens = Math.Max(0, _tokens - 1);
    }

    /// <summary>The destination said it is over its limit: no token until <paramref name="after"/> has passed.</summary>
    public void Drain(TimeSpan after)
    {
        Refill();
        _tokens = Math.Min(_tokens, 1 - (after.TotalSeconds * _perSecond));
    }

    private void Refill()
    {
        var now = time.GetUtcNow();
        _tokens = Math.Min(_capacity, _tokens + ((now - _updated).TotalSeconds * _perSecond));
        _updated = now;
    }
}
