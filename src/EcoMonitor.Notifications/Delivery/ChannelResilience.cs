using System.Net.Sockets;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Channels;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace EcoMonitor.Notifications.Delivery;

/// <summary>
/// The resilience pipeline of one channel, built once when the channel is: a timeout per attempt,
/// quick retries with exponential backoff and jitter (a refusal's <c>Retry-After</c> wins), and a
/// circuit breaker so a channel that is down is not hammered. What the pipeline gives up on, the
/// channel's worker retries later, until the notification's expiry.
/// </summary>
internal static class ChannelResilience
{
    public static ResiliencePipeline Build(ChannelOptions options, TimeProvider time, ResilienceTuning? tuning = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        tuning ??= new ResilienceTuning();
        var handled = new PredicateBuilder().Handle<Exception>(IsTransient);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = handled,
                FailureRatio = 0.5,
                MinimumThroughput = tuning.BreakerMinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = tuning.BreakDuration,
            });
        if (tuning.RetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = handled,
                MaxRetryAttempts = tuning.RetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = tuning.RetryDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is ChannelDeliveryException { RetryAfter: { } after } && after <= TimeSpan.FromSeconds(30) ? after : (TimeSpan?)null),
            });
        }

        return builder
            .AddTimeout(options.Timeout)
            .Build();
    }

    /// <summary>What a retry can fix: a retryable refusal, a timeout, a transport failure.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        ChannelDeliveryException e => e.Retryable,
        HttpRequestException or TimeoutRejectedException or SocketException or IOException => true,
        TaskCanceledException => true, // HttpClient's own timeout
        _ => false,
    };
}

/// <summary>Section <c>Notifications:Resilience</c>: the numbers of <see cref="ChannelResilience"/> and of a worker's backoff.</summary>
internal sealed class ResilienceTuning
{
    /// <summary>Quick retries of one message within one round.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 10)]
    public int RetryAttempts { get; set; } = 3;

    /// <summary>First quick retry's delay (then doubled, with jitter); Polly's retry takes 0 to 1 day.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    [System.ComponentModel.DataAnnotations.Range(2, 1000)]
    public int BreakerMinimumThroughput { get; set; } = 4;

    /// <summary>How long an open circuit refuses attempts; Polly's circuit breaker takes 0.5 s to 1 day.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait of a channel's worker after a failed round, or before a crashed loop restarts (then doubled). Zero would spin.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan Backoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait of a worker between rounds while its channel keeps failing.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(1);
}

[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class ResilienceTuningValidator : Microsoft.Extensions.Options.IValidateOptions<ResilienceTuning>;
