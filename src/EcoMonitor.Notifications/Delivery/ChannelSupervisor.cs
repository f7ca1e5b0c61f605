using EcoMonitor.Notifications;
using EcoMonitor.Runtime.Health;

namespace EcoMonitor.Notifications.Delivery;

/// <summary>
/// Keeps each channel's loops (delivery, periodic resend) running: a loop that throws is logged at
/// Error, counted (<c>ecomonitor_notification_worker_restarts_total{channel}</c>) and started again
/// after a backoff (<c>Notifications:Resilience:Backoff</c>, doubled up to <c>MaxBackoff</c>), so
/// one exception never silences a channel until shutdown. Publishes every channel's
/// <see cref="ChannelHealth"/> as the <c>notifications</c> detail of <c>/health/ready</c>.
/// See docs/notifications.md, "Supervision".
/// </summary>
internal sealed partial class ChannelSupervisor(
    ResilienceTuning tuning,
    TimeProvider time,
    NotificationMetrics metrics,
    ReadinessConditions conditions,
    ILogger logger)
{
    public const string DetailKey = "notifications";

    private readonly Lock _gate = new();
    private SortedDictionary<string, ChannelHealth> _channels = new(StringComparer.Ordinal);

    /// <summary>The health of <paramref name="channel"/>, shown from now on in <c>/health/ready</c>.</summary>
    public ChannelHealth Track(string channel)
    {
        lock (_gate)
        {
            if (_channels.TryGetValue(channel, out var known))
            {
                return known;
            }

            var health = new ChannelHealth(() => metrics.NotificationsPending.WithLabels(channel).Value);

            // A new dictionary each time: the health endpoint may be serialising the old one.
            _channels = new SortedDictionary<string, ChannelHealth>(_channels, StringComparer.Ordinal) { [channel] = health };
            conditions.SetDetail(DetailKey, _channels);
            return health;
        }
    }

    /// <summary>
    /// Runs <paramref name="loop"/> until <paramref name="stoppingToken"/> is cancelled, starting it
    /// again whenever it throws. The backoff starts over once a run has lasted <c>MaxBackoff</c>.
    /// </summary>
    public async Task RunAsync(string channel, string what, Func<CancellationToken, Task> loop, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(loop);
        var health = Track(channel);
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetTimestamp();
            try
            {
                await loop(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // Whatever the loop throws, the channel must keep delivering.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                backoff = backoff == TimeSpan.Zero || time.GetElapsedTime(started) >= tuning.MaxBackoff
                    ? tuning.Backoff
                    : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, tuning.MaxBackoff.Ticks));
                metrics.NotificationWorkerRestarts.WithLabels(channel).Inc();
                health.Crashed(ex, time.GetUtcNow());
                LogCrashed(logger, ex, channel, what, backoff);
                try
                {
                    await Task.Delay(backoff, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                health.Restarted();
                LogRestarted(logger, channel, what);
                continue;
            }

            // A loop returns only when stopping; if it ever does otherwise, run it again.
            if (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(tuning.Backoff, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        health.Stop();
    }

    [LoggerMessage(EventId = 7211, Level = LogLevel.Error, Message = "Channel {Channel}: the {Loop} loop failed; restarting it in {Backoff}")]
    private static partial void LogCrashed(ILogger logger, Exception exception, string channel, string loop, TimeSpan backoff);

    [LoggerMessage(EventId = 7212, Level = LogLevel.Information, Message = "Channel {Channel}: the {Loop} loop restarted")]
    private static partial void LogRestarted(ILogger logger, string channel, string loop);
}
