using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace EcoMonitor.Ingest.Mqtt;

/// <summary>
/// Backoff for (re)connecting to the broker, built once. MQTTnet 5 has no managed client, so
/// the consumer runs its own reconnect loop (the library's "reconnect using a timer" pattern)
/// and each attempt goes through this pipeline: exponential backoff with jitter, capped, forever.
/// </summary>
public sealed partial class MqttReconnectPipeline
{
    public MqttReconnectPipeline(IOptions<MqttOptions> options, TimeProvider time, ILogger<MqttReconnectPipeline> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not MqttSubscribeRefusedException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
                MaxDelay = options.Value.MaxReconnectDelay,
                OnRetry = args =>
                {
                    LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? "no result");
                    return default;
                },
            })
            .Build();
    }

    public ResiliencePipeline Pipeline { get; }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Connecting to the broker failed (attempt {Attempt}); retrying in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, TimeSpan delay, string reason);
}

/// <summary>The broker refused a subscription: a configuration or ACL error, not an outage.</summary>
public sealed class MqttSubscribeRefusedException : Exception
{
    public MqttSubscribeRefusedException()
    {
    }

    public MqttSubscribeRefusedException(string message)
        : base(message)
    {
    }

    public MqttSubscribeRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
