using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Observability;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace EcoMonitor.Service.Storage;

/// <summary>
/// The resilience pipeline around one batch write, built once: a timeout per attempt inside a
/// retry with exponential backoff and jitter. It retries every failure but a refusal of the
/// data itself, until the write succeeds or the service stops: the batch stays unacknowledged
/// meanwhile, so the broker keeps it.
/// </summary>
public sealed partial class StoreWritePipeline
{
    public StoreWritePipeline(IOptions<InfluxOptions> options, TimeProvider time, ILogger<StoreWritePipeline> logger, IngestMetrics metrics, StoreHealth health)
    {
        ArgumentNullException.ThrowIfNull(options);
        Pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                // Polly stops by itself once the caller's token is cancelled; an HttpClient timeout
                // (a cancellation we did not ask for) is an outage like any other.
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not StoreRejectedException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(30),
                OnRetry = args =>
                {
                    metrics.StoreWriteFailures.Inc();
                    health.RecordFailure(args.Outcome.Exception?.GetType().Name ?? "failed");
                    LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? "no result");
                    return default;
                },
            })
            .AddTimeout(options.Value.Timeout)
            .Build();
    }

    public ResiliencePipeline Pipeline { get; }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Store write failed (attempt {Attempt}); retrying in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, TimeSpan delay, string reason);
}
