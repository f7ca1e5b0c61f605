using EcoMonitor.Ingest.Observability;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;

namespace EcoMonitor.Ingest.Storage;

/// <summary>
/// The resilience pipelines of store writes, registered once in DI (with Polly's telemetry).
/// <see cref="Live"/>: a short retry (exponential backoff with jitter) inside a circuit breaker,
/// with a timeout per attempt; when it gives up, or the circuit is open, the batch goes to the
/// spool at once instead of holding up live traffic.
/// <see cref="Replay"/>: waits out an outage before replaying the spool, retrying forever with
/// capped backoff until the service stops.
/// Both wait at least what a busy store asked (<c>Retry-After</c> of a 429 or 503); a live batch
/// asked to wait longer than <see cref="MaxLiveRetryAfter"/> is spooled at once instead.
/// </summary>
internal sealed partial class StoreWritePipeline
{
    /// <summary>Longest wait a live batch spends on one <c>Retry-After</c>: the live retry's longest backoff.</summary>
    public static readonly TimeSpan MaxLiveRetryAfter = TimeSpan.FromSeconds(5);

    public const string LiveKey = "ecomonitor-store-live";
    public const string ReplayKey = "ecomonitor-store-replay";

    /// <summary>The pipelines registered in DI (<c>AddEcoMonitorStorage</c>), with Polly's telemetry.</summary>
    public StoreWritePipeline(ResiliencePipelineProvider<string> pipelines)
    {
        ArgumentNullException.ThrowIfNull(pipelines);
        Live = pipelines.GetPipeline(LiveKey);
        Replay = pipelines.GetPipeline(ReplayKey);
    }

    /// <summary>The same pipelines built without a container (tests, benchmarks).</summary>
    public StoreWritePipeline(IOptions<InfluxOptions> options, TimeProvider time, ILogger<StoreWritePipeline> logger, IngestMetrics metrics, StoreHealth health)
    {
        ArgumentNullException.ThrowIfNull(options);
        var live = new ResiliencePipelineBuilder { TimeProvider = time };
        ConfigureLive(live, options.Value, logger, metrics, health);
        Live = live.Build();
        var replay = new ResiliencePipelineBuilder { TimeProvider = time };
        ConfigureReplay(replay);
        Replay = replay.Build();
    }

    internal static void ConfigureLive(ResiliencePipelineBuilder builder, InfluxOptions influx, ILogger logger, IngestMetrics metrics, StoreHealth health)
    {
        // Refusals of the data, of its size or of our credentials are answers, not outages.
        var transient = new PredicateBuilder().Handle<Exception>(ex =>
            ex is not (StoreRejectedException or StoreTooLargeException or StoreUnauthorizedException or OperationCanceledException));

        // A live batch does not wait longer than its longest backoff: the spool takes it, and the replay waits.
        var retriedLive = new PredicateBuilder().Handle<Exception>(ex =>
            ex is not (StoreRejectedException or StoreTooLargeException or StoreUnauthorizedException or OperationCanceledException)
            && !(StoreBusyException.RetryAfterIn(ex) > MaxLiveRetryAfter));

        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = transient,
                // A short window: a busy service writes dozens of batches a second while the
                // store is up, and a failing batch takes about a second of retries; over a long
                // window the old successes keep the ratio low for most of an outage
                // (docs/decisions.md, "Store writes").
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(5),
                BreakDuration = influx.BreakDuration,
                OnOpened = args =>
                {
                    LogCircuitOpened(logger, args.BreakDuration);
                    return default;
                },
            })
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = retriedLive,
                MaxRetryAttempts = influx.RetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = MaxLiveRetryAfter,
                DelayGenerator = args => ValueTask.FromResult(StoreBusyException.RetryAfterIn(args.Outcome.Exception)),
                OnRetry = args =>
                {
                    metrics.StoreWriteFailures.Inc();
                    health.RecordFailure(args.Outcome.Exception?.GetType().Name ?? "failed");
                    LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? "no result");
                    return default;
                },
            })
            .AddTimeout(influx.Timeout);
    }

    /// <summary>
    /// The replay's longest wait between two tries in an outage: the spool starts to drain within
    /// this of the store's return (it was 15 s; docs/decisions.md "Store writes"). A failed try
    /// costs one request.
    /// </summary>
    internal static readonly TimeSpan MaxReplayDelay = TimeSpan.FromSeconds(5);

    internal static void ConfigureReplay(ResiliencePipelineBuilder builder) =>
        builder
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<StoreUnavailableException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                MaxDelay = MaxReplayDelay,

                // Polly's own delay is ignored when this answers: the store's wait wins, however long.
                DelayGenerator = args => ValueTask.FromResult(StoreBusyException.RetryAfterIn(args.Outcome.Exception)),
            });

    public ResiliencePipeline Live { get; }

    public ResiliencePipeline Replay { get; }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Store write failed (attempt {Attempt}); retrying in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Store writes keep failing; new batches go to the spool for {BreakDuration}")]
    private static partial void LogCircuitOpened(ILogger logger, TimeSpan breakDuration);
}
