namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>Waits for a condition with a deadline, polling; never a blind sleep.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        await WaitAsync(() => Task.FromResult(condition()), timeout, what, cancellationToken);
    }

    public static Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default) =>
        WaitAsync(condition, timeout, PollInterval, what, cancellationToken);

    /// <summary>As above, polling every <paramref name="pollInterval"/> (for conditions that are costly to check).</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan pollInterval, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
            }

            await Task.Delay(pollInterval, cancellationToken);
        }
    }
}
