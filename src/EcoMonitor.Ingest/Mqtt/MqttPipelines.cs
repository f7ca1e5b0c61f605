using System.Threading.Channels;
using Polly;
using Polly.Registry;
using Polly.Retry;

namespace EcoMonitor.Ingest.Mqtt;

/// <summary>
/// The resilience pipelines of the MQTT consumer, registered once in DI (with Polly's telemetry)
/// under <see cref="ReconnectKey"/> and <see cref="HandlingKey"/>.
/// <see cref="Reconnect"/>: MQTTnet 5 has no managed client, so the consumer runs its own reconnect
/// loop and each attempt goes through it: exponential backoff with jitter, capped, forever.
/// <see cref="Handling"/>: a message whose handling throws is retried in process
/// (<c>Mqtt:HandlingRetries</c>, <c>HandlingRetryDelay</c>, <c>HandlingMaxRetryDelay</c>).
/// </summary>
internal sealed partial class MqttPipelines(ResiliencePipelineProvider<string> pipelines)
{
    public const string ReconnectKey = "ecomonitor-mqtt-reconnect";
    public const string HandlingKey = "ecomonitor-mqtt-handling";

    public ResiliencePipeline Reconnect { get; } = pipelines.GetPipeline(ReconnectKey);

    public ResiliencePipeline Handling { get; } = pipelines.GetPipeline(HandlingKey);

    internal static void ConfigureReconnect(ResiliencePipelineBuilder builder, MqttOptions options, ILogger logger) =>
        builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not MqttSubscribeRefusedException),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(250),
            MaxDelay = options.MaxReconnectDelay,
            OnRetry = args =>
            {
                if (args.Outcome.Exception is BrokerTlsException)
                {
                    // The consumer logged the reason once; an operator must fix it, retries alone will not.
                    LogTlsRetry(logger, args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                }

                LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? "no result");
                return default;
            },
        });

    internal static void ConfigureHandling(ResiliencePipelineBuilder builder, MqttOptions options) =>
        builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && IsHandlingFailure(ex, args.Context.CancellationToken)),
            MaxRetryAttempts = options.HandlingRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.HandlingRetryDelay,
            MaxDelay = options.HandlingMaxRetryDelay,
        });

    /// <summary>A failure to retry, not the service stopping.</summary>
    internal static bool IsHandlingFailure(Exception exception, CancellationToken cancellationToken) =>
        exception is not ChannelClosedException && !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Connecting to the broker failed (attempt {Attempt}); retrying in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 8101, Level = LogLevel.Debug, Message = "Connecting to the broker failed in the TLS handshake again (attempt {Attempt}); retrying in {Delay}")]
    private static partial void LogTlsRetry(ILogger logger, int attempt, TimeSpan delay);
}

/// <summary>A connect failed in the TLS handshake; the message says which setting to look at (<see cref="Runtime.Broker.BrokerTlsFailure"/>).</summary>
internal sealed class BrokerTlsException : Exception
{
    public BrokerTlsException()
    {
    }

    public BrokerTlsException(string message)
        : base(message)
    {
    }

    public BrokerTlsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The broker refused a subscription: a configuration or ACL error, not an outage.</summary>
internal sealed class MqttSubscribeRefusedException : Exception
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
