using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Service.DeadLetters;
using EcoMonitor.Service.Ingestion;
using EcoMonitor.Service.Observability;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EcoMonitor.Service.Mqtt;

/// <summary>
/// Subscribes at QoS 1 on a persistent session and hands each message to the
/// <see cref="MessageHandler"/> with manual acknowledgement: the PUBACK leaves only when the
/// batch writer has stored the message's readings.
/// </summary>
public sealed partial class MqttIngestConsumer(
    IOptions<MqttOptions> options,
    MessageHandler handler,
    IngestQueue queue,
    DeadLetterRepublisher deadLetterCopies,
    MqttReconnectPipeline reconnect,
    MqttConnectionState state,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<MqttIngestConsumer> logger) : BackgroundService
{
    private readonly MqttOptions _options = options.Value;
    private readonly IReadOnlyList<SubscriptionProfile> _profiles = [.. options.Value.EffectiveSubscriptions().Select(s => s.ToProfile())];
    private volatile bool _draining;

    /// <summary>
    /// Graceful shutdown (SIGTERM): stop taking messages, let the writer store or spool and
    /// acknowledge everything already queued, then disconnect — all within the host's
    /// shutdown timeout. What is not acknowledged by then is redelivered by the broker.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        queue.Complete();
        var started = time.GetTimestamp();
        try
        {
            await queue.Drained.WaitAsync(cancellationToken);
            LogDrained(logger, time.GetElapsedTime(started));
        }
        catch (OperationCanceledException)
        {
            LogDrainTimedOut(logger);
        }

        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e => OnMessageAsync(e, stoppingToken);
        client.DisconnectedAsync += e =>
        {
            state.IsConnected = false;
            metrics.MqttConnected.Set(0);
            if (e.ClientWasConnected && !stoppingToken.IsCancellationRequested)
            {
                LogDisconnected(logger, e.Reason.ToString(), e.Exception?.Message ?? e.ReasonString ?? string.Empty);
            }

            return Task.CompletedTask;
        };

        var clientOptions = BuildClientOptions();
        var republishing = deadLetterCopies.Enabled ? RepublishDeadLettersAsync(client, stoppingToken) : Task.CompletedTask;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!client.IsConnected)
                {
                    await reconnect.Pipeline.ExecuteAsync(async ct => await ConnectAsync(client, clientOptions, ct), stoppingToken);
                }

                // MQTTnet's reconnect-with-a-timer pattern: a ping finds a half-open connection
                // sooner than the keep-alive; the loop above then reconnects.
                await Task.Delay(_options.HealthCheckInterval, time, stoppingToken);
                if (client.IsConnected && !await client.TryPingAsync(stoppingToken))
                {
                    LogPingFailed(logger);
                    await client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.UnspecifiedError, "ping failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            await republishing;
            state.IsConnected = false;
            metrics.MqttConnected.Set(0);
            if (client.IsConnected)
            {
                // A normal disconnect keeps the session: unacknowledged messages stay at the broker.
                await client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.NormalDisconnection, "shutting down");
            }
        }
    }

    private async Task ConnectAsync(IMqttClient client, MqttClientOptions clientOptions, CancellationToken cancellationToken)
    {
        var result = await client.ConnectAsync(clientOptions, cancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }

        LogConnected(logger, _options.Host, _options.Port, _options.ClientId, result.IsSessionPresent);
        if (!result.IsSessionPresent)
        {
            // A new session has no subscriptions; a resumed one keeps them and their queue.
            await SubscribeAsync(client, cancellationToken);
        }

        state.IsConnected = true;
        metrics.MqttConnected.Set(1);
    }

    private async Task SubscribeAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var profile in _profiles)
        {
            builder.WithTopicFilter(f => f.WithTopic(BrokerFilter(profile.Topic.Filter)).WithAtLeastOnceQoS());
        }

        var result = await client.SubscribeAsync(builder.Build(), cancellationToken);
        foreach (var item in result.Items)
        {
            if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
            {
                throw new MqttSubscribeRefusedException($"the broker refused the subscription to '{item.TopicFilter.Topic}': {item.ResultCode}");
            }

            LogSubscribed(logger, item.TopicFilter.Topic);
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e, CancellationToken stoppingToken)
    {
        e.AutoAcknowledge = false;
        if (_draining)
        {
            // Shutting down: left unacknowledged, the broker redelivers it to the next session.
            return;
        }

        var message = e.ApplicationMessage;
        if (message.Dup)
        {
            metrics.MessagesRedelivered.Inc();
        }

        var incoming = new IncomingMessage(message.Topic, message.Payload.ToArray(), time.GetUtcNow());
        try
        {
            await handler.HandleAsync(incoming, ProfileFor(message.Topic), e.AcknowledgeAsync, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Not acknowledged: the broker redelivers it to the next session.
        }
        catch (ChannelClosedException)
        {
            // The queue closed for shutdown while this message waited: redelivered later.
        }
#pragma warning disable CA1031 // E.g. the dead-letter disk is full: leave the message unacknowledged and say so loudly.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlingFailed(logger, ex, message.Topic);
        }
    }

    /// <summary>Publishes copies of dead-letter records (QoS 1) while connected; a copy that fails is dropped: the file has it.</summary>
    private async Task RepublishDeadLettersAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (topic, record) in deadLetterCopies.Reader.ReadAllAsync(stoppingToken))
            {
                if (!client.IsConnected)
                {
                    metrics.DeadLetterCopiesDropped.Inc();
                    continue;
                }

                try
                {
                    await client.PublishBinaryAsync(topic, record, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: stoppingToken);
                }
                catch (MQTTnet.Exceptions.MqttCommunicationException)
                {
                    metrics.DeadLetterCopiesDropped.Inc();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>The first subscription whose pattern matches; overlapping filters are the operator's choice.</summary>
    private SubscriptionProfile ProfileFor(string topic)
    {
        foreach (var profile in _profiles)
        {
            if (profile.Topic.TryMatch(topic, out _))
            {
                return profile;
            }
        }

        // Delivered for a filter no profile matches (a session from an older configuration):
        // the native profile refuses it with a reason rather than dropping it.
        return SubscriptionProfile.Native;
    }

    private string BrokerFilter(string topic) =>
        string.IsNullOrEmpty(_options.SharedGroup) ? topic : $"$share/{_options.SharedGroup}/{topic}";

    private MqttClientOptions BuildClientOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_options.ClientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpiry.TotalSeconds)
            .WithReceiveMaximum((ushort)_options.ReceiveMaximum)
            .WithMaximumPacketSize((uint)_options.MaxPacketBytes)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.ConnectTimeout);
        if (!string.IsNullOrEmpty(_options.Username))
        {
            builder.WithCredentials(_options.Username, _options.Password);
        }

        if (_options.UseTls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (!string.IsNullOrEmpty(_options.CaFile))
                {
                    var trust = new X509Certificate2Collection();
                    trust.ImportFromPemFile(_options.CaFile);
                    tls.WithTrustChain(trust);
                }
            });
        }

        return builder.Build();
    }

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Drained the ingest queue in {Elapsed} before disconnecting")]
    private static partial void LogDrained(ILogger logger, TimeSpan elapsed);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "Shutdown timeout reached before the ingest queue drained; the rest is redelivered by the broker")]
    private static partial void LogDrainTimedOut(ILogger logger);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Connected to the broker {Host}:{Port} as {ClientId} (session present: {SessionPresent})")]
    private static partial void LogConnected(ILogger logger, string host, int port, string clientId, bool sessionPresent);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Subscribed to {Topic}")]
    private static partial void LogSubscribed(ILogger logger, string topic);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Disconnected from the broker ({Reason}): {Detail}")]
    private static partial void LogDisconnected(ILogger logger, string reason, string detail);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Ping to the broker failed; reconnecting")]
    private static partial void LogPingFailed(ILogger logger);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Handling a message on {Topic} failed; it stays unacknowledged for redelivery")]
    private static partial void LogHandlingFailed(ILogger logger, Exception exception, string topic);
}
