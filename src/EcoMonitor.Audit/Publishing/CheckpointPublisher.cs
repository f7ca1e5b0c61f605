using System.Text;
using EcoMonitor.Audit.Log;
using EcoMonitor.Runtime.Broker;
using MQTTnet;
using MQTTnet.Protocol;

namespace EcoMonitor.Audit.Publishing;

/// <summary>
/// Publishes each signed checkpoint to <c>Audit:CheckpointTopic</c> (docs/audit.md#witnessing),
/// retained and at QoS 1, so that a witness subscribing at any time gets the latest note at once.
/// </summary>
/// <remarks>
/// It takes the log's latest note (the one the log opened with, then each new one); a note it
/// could not publish is retried with a growing pause, and replaced by a newer one if that comes
/// first: only the latest checkpoint matters to a witness, and the log never waits on the broker.
/// Its own client, <c>{Mqtt:ClientId}-audit</c> with a clean session, on the service's broker,
/// credentials and TLS settings. Supervised: a loop that throws is logged, counted and restarted.
/// </remarks>
internal sealed partial class CheckpointPublisher(
    AuditLog log,
    AuditOptions options,
    MqttConnectionOptions mqtt,
    BrokerClientFactory clients,
    AuditMetrics metrics,
    TimeProvider time,
    ILogger<CheckpointPublisher> logger) : BackgroundService
{
    /// <summary>First pause after a failed publish; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);

    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly LoopSupervisor _supervisor = new(metrics, time, logger);
    private readonly BrokerConnection _connection = new(clients, mqtt, mqtt.ClientId + "-audit");
    private string? _pending;
    private int _published;

    public string ClientId => _connection.ClientId;

    /// <summary>Notes the broker took, for tests to wait on.</summary>
    internal int Published => Volatile.Read(ref _published);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await DropClientAsync();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.CheckpointTopic.Length == 0 ? Task.CompletedTask : _supervisor.RunAsync("publish-loop", RunAsync, stoppingToken);

    internal async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = log.SignedCheckpoints;
        var delay = FirstRetryDelay;
        while (true)
        {
            _pending ??= await reader.ReadAsync(cancellationToken);
            while (reader.TryRead(out var newer))
            {
                _pending = newer;
            }

            try
            {
                await PublishAsync(_pending, cancellationToken);
                _pending = null;
                delay = FirstRetryDelay;
                Interlocked.Increment(ref _published);
                metrics.CheckpointsPublished.Inc();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ObjectDisposedException)
            {
                metrics.Failures.WithLabels("checkpoint-publish").Inc();
                LogPublishFailed(logger, options.CheckpointTopic, delay, ex.Message);
                await DropClientAsync();
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    private async Task PublishAsync(string note, CancellationToken cancellationToken)
    {
        var client = await ConnectedAsync(cancellationToken);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(options.CheckpointTopic)
            .WithPayload(Encoding.UTF8.GetBytes(note))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .WithContentType("text/plain; charset=utf-8")
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .Build();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(mqtt.ConnectTimeout);
        MqttClientPublishResult result;
        try
        {
            result = await client.PublishAsync(message, attempt.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no PUBACK within {mqtt.ConnectTimeout}", ex);
        }

        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"the broker refused the publish: {result.ReasonCode} {result.ReasonString}");
        }

        LogPublished(logger, options.CheckpointTopic);
    }

    private async Task<IMqttClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        var (client, connected) = await _connection.ConnectedAsync(cancellationToken);
        if (connected)
        {
            LogConnected(logger, mqtt.Host, mqtt.Port, ClientId);
        }

        return client;
    }

    private Task DropClientAsync() => _connection.DropAsync();

    [LoggerMessage(EventId = 8220, Level = LogLevel.Information, Message = "Audit log: connected to the broker {Host}:{Port} as {ClientId} to publish checkpoints")]
    private static partial void LogConnected(ILogger logger, string host, int port, string clientId);

    [LoggerMessage(EventId = 8221, Level = LogLevel.Debug, Message = "Audit log: checkpoint published, retained, on {Topic}")]
    private static partial void LogPublished(ILogger logger, string topic);

    [LoggerMessage(EventId = 8222, Level = LogLevel.Warning, Message = "Audit log: the checkpoint could not be published on {Topic}, next attempt in {Delay}: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string topic, TimeSpan delay, string reason);
}
