using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading.Channels;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Ingest.DeadLetters;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Runtime.Broker;
using EcoMonitor.Runtime.Health;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Polly;
using Polly.Retry;

namespace EcoMonitor.Ingest.Mqtt;

/// <summary>
/// Subscribes at QoS 1 on a persistent session and hands each message to the
/// <see cref="MessageHandler"/> with manual acknowledgement: the PUBACK leaves only when the
/// batch writer has stored the message's readings.
/// </summary>
/// <remarks>
/// Every connect subscribes to every configured filter and unsubscribes those that left the
/// configuration (<see cref="SubscriptionStateFile"/>). A message whose handling throws is retried
/// with backoff; if it keeps failing, the service reports not ready (<see cref="HandlingCondition"/>)
/// and reconnects, keeping the session, so that the broker redelivers what is unacknowledged
/// instead of holding an in-flight slot forever (docs/decisions.md).
/// </remarks>
internal sealed partial class MqttIngestConsumer(
    IOptions<MqttOptions> options,
    BrokerClientFactory clients,
    IEnumerable<IPublishedTopics> published,
    MessageHandler handler,
    IngestQueue queue,
    DeadLetterRepublisher deadLetterCopies,
    MqttPipelines pipelines,
    SubscriptionStateFile subscriptionState,
    MqttConnectionState state,
    ReadinessConditions readiness,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<MqttIngestConsumer> logger) : BackgroundService
{
    /// <summary>Raised while messages keep failing to be handled.</summary>
    public const string HandlingCondition = "message-handling";

    /// <summary>Raised while connects fail in the TLS handshake (a certificate problem an operator must fix).</summary>
    public const string TlsCondition = "broker-tls";

    /// <summary>The <c>/health/ready</c> detail listing what is subscribed.</summary>
    public const string SubscriptionsDetail = "subscriptions";

    // How long a reconnect for redelivery waits for the messages already handled to be
    // acknowledged on the connection they came on (so they are not redelivered needlessly).
    private static readonly TimeSpan AcknowledgementDrainLimit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AcknowledgementDrainPoll = TimeSpan.FromMilliseconds(20);

    private readonly MqttOptions _options = options.Value;
    private readonly string[] _published = [.. published.SelectMany(p => p.Filters).Distinct(StringComparer.Ordinal)];
    private readonly SubscriptionProfile[] _profiles = [.. options.Value.EffectiveSubscriptions().Select(s => s.ToProfile())];
    private readonly Channel<string> _reconnectRequests = Channel.CreateBounded<string>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile bool _draining;

    // Set when a message gave up: the messages after it are left for redelivery until the reconnect.
    private volatile bool _reconnecting;
    private volatile bool _handlingFailed;

    // The TLS failure reported last: logged once, not at every retry, until it changes or a connect succeeds.
    private string? _tlsFailure;

    // Counts connects: an acknowledgement is sent only on the connection its message came on.
    private int _connection;

    // Messages handled (queued) whose acknowledgement has not been sent yet.
    private int _unacknowledged;

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
        using var client = clients.CreateClient();
        client.ApplicationMessageReceivedAsync += e => OnMessageAsync(e, stoppingToken);
        client.DisconnectedAsync += e =>
        {
            // Raised on a thread of its own: the loop may have connected again meanwhile.
            if (!client.IsConnected)
            {
                state.IsConnected = false;
                metrics.MqttConnected.Set(0);
            }

            // A reconnect for redelivery is logged where it is decided.
            if (e.ClientWasConnected && !stoppingToken.IsCancellationRequested && !_reconnecting)
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
                    await pipelines.Reconnect.ExecuteAsync(async ct => await ConnectAsync(client, clientOptions, ct), stoppingToken);
                }

                // MQTTnet's reconnect-with-a-timer pattern: a ping finds a half-open connection
                // sooner than the keep-alive; the loop above then reconnects.
                if (await WaitForReconnectRequestAsync(stoppingToken) is { } reason)
                {
                    await ReconnectForRedeliveryAsync(client, reason, stoppingToken);
                    continue;
                }

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
        Interlocked.Increment(ref _connection);
        _reconnecting = false;

        // This connect is the redelivery any pending request asked for.
        while (_reconnectRequests.Reader.TryRead(out _))
        {
        }

        MqttClientConnectResult result;
        try
        {
            result = await client.ConnectAsync(clientOptions, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && BrokerTlsFailure.Describe(ex, _options) is { } reason)
        {
            if (reason != _tlsFailure)
            {
                _tlsFailure = reason;
                readiness.Raise(TlsCondition, reason);
                LogTlsFailed(logger, reason);
            }

            throw new BrokerTlsException(reason, ex);
        }

        if (_tlsFailure is not null)
        {
            _tlsFailure = null;
            readiness.Clear(TlsCondition);
            LogTlsRecovered(logger, _options.Host, _options.Port);
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }

        LogConnected(logger, _options.Host, _options.Port, _options.ClientId, result.IsSessionPresent);
        await SubscribeAsync(client, result.IsSessionPresent, cancellationToken);
        state.IsConnected = true;
        metrics.MqttConnected.Set(1);
    }

    /// <summary>
    /// Subscribes to every configured filter, even on a resumed session (SUBSCRIBE is idempotent,
    /// and a resumed session keeps only what an older configuration subscribed), then unsubscribes
    /// the filters the session holds that left the configuration.
    /// </summary>
    private async Task SubscribeAsync(IMqttClient client, bool sessionPresent, CancellationToken cancellationToken)
    {
        var broker = $"{_options.Host}:{_options.Port}";
        var wanted = _profiles.Select(p => BrokerFilter(p.Topic.Filter)).Distinct(StringComparer.Ordinal).ToList();

        // Not shared: every instance keeps the whole directory of node statuses (docs/mqtt.md#node-status).
        if (!string.IsNullOrEmpty(_options.StatusFilter) && !wanted.Contains(_options.StatusFilter, StringComparer.Ordinal))
        {
            wanted.Add(_options.StatusFilter);
        }

        // A new session holds nothing; a resumed one what the file says was subscribed on it.
        var removed = sessionPresent ? [.. LoadSubscribed(broker).Except(wanted, StringComparer.Ordinal)] : new List<string>();

        // Recorded before subscribing: a crash midway still leaves every filter the session may hold on record.
        TrySaveSubscribed(broker, [.. wanted, .. removed]);

        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in wanted)
        {
            // Retained messages only for a new subscription, as when a resumed session was not subscribed again.
            builder.WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS().WithRetainHandling(MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly));
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

        var unsubscribed = new List<string>();
        var stillHeld = new List<string>();
        if (removed.Count > 0)
        {
            var unsubscribe = new MqttClientUnsubscribeOptionsBuilder();
            foreach (var filter in removed)
            {
                unsubscribe.WithTopicFilter(filter);
            }

            var answer = await client.UnsubscribeAsync(unsubscribe.Build(), cancellationToken);
            foreach (var item in answer.Items)
            {
                if (item.ResultCode is MqttClientUnsubscribeResultCode.Success or MqttClientUnsubscribeResultCode.NoSubscriptionExisted)
                {
                    unsubscribed.Add(item.TopicFilter);
                    LogUnsubscribed(logger, item.TopicFilter);
                }
                else
                {
                    // Kept on record: the next connect tries again.
                    stillHeld.Add(item.TopicFilter);
                    LogUnsubscribeRefused(logger, item.TopicFilter, item.ResultCode.ToString());
                }
            }
        }

        var saved = TrySaveSubscribed(broker, [.. wanted, .. stillHeld]);
        readiness.SetDetail(SubscriptionsDetail, new SubscriptionsView(wanted, unsubscribed, stillHeld, sessionPresent, saved));
    }

    private IReadOnlyList<string> LoadSubscribed(string broker)
    {
        try
        {
            return subscriptionState.Load(broker, _options.ClientId);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            // Nothing to unsubscribe then: a filter that left the configuration may keep
            // delivering (its messages are dead-lettered, no profile matching them).
            LogSubscriptionStateUnreadable(logger, ex, subscriptionState.FilePath);
            return [];
        }
    }

    private bool TrySaveSubscribed(string broker, List<string> filters)
    {
        try
        {
            subscriptionState.Save(broker, _options.ClientId, filters);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Ingestion goes on; the next connect writes it again.
            LogSubscriptionStateNotSaved(logger, ex, subscriptionState.FilePath);
            return false;
        }
    }

    /// <summary>Waits for the next connection check, or returns early with the reason of a reconnect request.</summary>
    private async Task<string?> WaitForReconnectRequestAsync(CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var check = Task.Delay(_options.HealthCheckInterval, time, wait.Token);
        var request = _reconnectRequests.Reader.WaitToReadAsync(wait.Token).AsTask();
        await Task.WhenAny(check, request);
        await wait.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
        return _reconnectRequests.Reader.TryRead(out var reason) ? reason : null;
    }

    /// <summary>
    /// A message kept failing: disconnect normally (the session and what is unacknowledged stay at
    /// the broker) once the messages handled before it are acknowledged; the loop then connects
    /// again and the broker redelivers.
    /// </summary>
    private async Task ReconnectForRedeliveryAsync(IMqttClient client, string reason, CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        while (Volatile.Read(ref _unacknowledged) > 0 && time.GetElapsedTime(started) < AcknowledgementDrainLimit)
        {
            await Task.Delay(AcknowledgementDrainPoll, time, stoppingToken);
        }

        LogReconnectingForRedelivery(logger, reason);
        await client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.NormalDisconnection, "reconnecting for the redelivery of a message that failed");
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e, CancellationToken stoppingToken)
    {
        e.AutoAcknowledge = false;
        if (_draining || _reconnecting)
        {
            // Shutting down, or about to reconnect after a failure: left unacknowledged, the
            // broker redelivers it to the next connection.
            return;
        }

        var message = e.ApplicationMessage;
        if (message.Dup)
        {
            metrics.MessagesRedelivered.Inc();
        }

        // MQTTnet gives every publish its own array (its decoder copies the payload out of the
        // packet), never reused: the message may keep it without a copy.
        var payload = message.Payload;
        var incoming = new IncomingMessage(message.Topic, payload.IsSingleSegment ? payload.First : payload.ToArray(), time.GetUtcNow());
        var profile = ProfileFor(message.Topic);
        var progress = new HandlingProgress();
        var connection = Volatile.Read(ref _connection);
        var attempts = 0;

        Task Acknowledge(CancellationToken cancellationToken)
        {
            Interlocked.Decrement(ref _unacknowledged);

            // After a reconnect the broker redelivers this message under the same packet
            // identifier; a late PUBACK from the old connection could then acknowledge another
            // message that reused the identifier. The redelivered copy is acknowledged instead.
            return connection == Volatile.Read(ref _connection)
                ? e.AcknowledgeAsync(cancellationToken)
                : Task.FromException(new InvalidOperationException("the connection the message came on is closed; the broker redelivers it"));
        }

        Interlocked.Increment(ref _unacknowledged);
        if (IsPublishedByUs(message.Topic))
        {
            // Our own notification: acknowledged in its turn through the queue, never decoded.
            metrics.MessagesIgnored.Inc();
            try
            {
                await queue.EnqueueAsync(new IngestEnvelope(message.Topic, [], Acknowledge, [], incoming.ReceivedAt), stoppingToken);
            }
            catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
            {
                // Stopping: left unacknowledged, the broker redelivers it.
                Interlocked.Decrement(ref _unacknowledged);
            }

            return;
        }

        try
        {
            await pipelines.Handling.ExecuteAsync(
                async ct =>
                {
                    attempts++;
                    try
                    {
                        if (NodeStatusTopic.IsStatusTopic(message.Topic))
                        {
                            await handler.HandleStatusAsync(incoming, message.Retain, Acknowledge, progress, ct);
                        }
                        else
                        {
                            await handler.HandleAsync(incoming, profile, Acknowledge, progress, ct);
                        }
                    }
                    catch (Exception ex) when (MqttPipelines.IsHandlingFailure(ex, ct))
                    {
                        metrics.MessageHandlingFailures.Inc();
                        LogHandlingAttemptFailed(logger, message.Topic, attempts, ex.Message);
                        throw;
                    }
                },
                stoppingToken);
        }
        catch (Exception ex) when (!MqttPipelines.IsHandlingFailure(ex, stoppingToken))
        {
            // Shutting down (cancelled, or the queue closed while this message waited): not
            // acknowledged, the broker redelivers it to the next session.
            Interlocked.Decrement(ref _unacknowledged);
            return;
        }
#pragma warning disable CA1031 // E.g. the dead-letter disk is full: report it and have the broker redeliver the message.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Interlocked.Decrement(ref _unacknowledged);
            GiveUp(message.Topic, attempts, ex);
            return;
        }

        if (_handlingFailed)
        {
            _handlingFailed = false;
            readiness.Clear(HandlingCondition);
            LogHandlingRecovered(logger, message.Topic);
        }
    }

    /// <summary>
    /// The message stays unacknowledged, holding one of the broker's <c>Mqtt:ReceiveMaximum</c>
    /// in-flight slots until a reconnect: MQTT 5 redelivers only then.
    /// </summary>
    private void GiveUp(string topic, int attempts, Exception exception)
    {
        var reason = $"handling a message on {topic} failed {attempts} times ({exception.GetType().Name}: {exception.Message}); reconnecting so that the broker redelivers it";
        LogHandlingFailed(logger, exception, topic, attempts);
        _handlingFailed = true;
        readiness.Raise(HandlingCondition, reason);
        _reconnecting = true;
        _reconnectRequests.Writer.TryWrite(reason);
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
            if (profile.Topic.IsMatch(topic))
            {
                return profile;
            }
        }

        // Delivered for a filter no profile matches (a session from an older configuration):
        // the native profile refuses it with a reason rather than dropping it.
        return SubscriptionProfile.Native;
    }

    private bool IsPublishedByUs(string topic) =>
        _published.Length > 0 && Array.Exists(_published, filter => MqttTopicFilterComparer.Compare(topic, filter) == MqttTopicFilterCompareResult.IsMatch);

    private string BrokerFilter(string topic) =>
        string.IsNullOrEmpty(_options.SharedGroup) ? topic : $"$share/{_options.SharedGroup}/{topic}";

    private MqttClientOptions BuildClientOptions() =>
        BrokerClientFactory.WithReceiverBuffers(BrokerClientFactory.OptionsFor(_options, _options.ClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpiry.TotalSeconds)
            .WithReceiveMaximum((ushort)_options.ReceiveMaximum)
            .WithMaximumPacketSize((uint)_options.MaxPacketBytes)
            .Build());

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

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Handling a message on {Topic} failed {Attempts} times; not ready, reconnecting (session kept) so that the broker redelivers it")]
    private static partial void LogHandlingFailed(ILogger logger, Exception exception, string topic, int attempts);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Information, Message = "Unsubscribed from {Topic}: it left Mqtt:Subscriptions")]
    private static partial void LogUnsubscribed(ILogger logger, string topic);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Warning, Message = "The broker refused to unsubscribe {Topic} ({Result}); trying again at the next connect")]
    private static partial void LogUnsubscribeRefused(ILogger logger, string topic, string result);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Could not write the subscription list {Path}; ingestion goes on, the next connect writes it again")]
    private static partial void LogSubscriptionStateNotSaved(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Cannot read the subscription list {Path}; filters removed from the configuration are not unsubscribed this time")]
    private static partial void LogSubscriptionStateUnreadable(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Handling a message on {Topic} failed (attempt {Attempt}): {Reason}")]
    private static partial void LogHandlingAttemptFailed(ILogger logger, string topic, int attempt, string reason);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Information, Message = "Messages are handled again (a message on {Topic}); ready")]
    private static partial void LogHandlingRecovered(ILogger logger, string topic);

    [LoggerMessage(EventId = 8100, Level = LogLevel.Error, Message = "Cannot connect to the broker: {Reason}; retrying, this is logged again only if it changes")]
    private static partial void LogTlsFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 8102, Level = LogLevel.Information, Message = "The TLS handshake with the broker {Host}:{Port} succeeds again")]
    private static partial void LogTlsRecovered(ILogger logger, string host, int port);

    [LoggerMessage(EventId = 4114, Level = LogLevel.Warning, Message = "Reconnecting to the broker: {Reason}")]
    private static partial void LogReconnectingForRedelivery(ILogger logger, string reason);
}

/// <summary>The <c>subscriptions</c> detail of <c>/health/ready</c>, as of the last connect.</summary>
/// <param name="Filters">Subscribed (broker filters, with the <c>$share/{group}/</c> prefix where used).</param>
/// <param name="Unsubscribed">Unsubscribed at that connect: they left the configuration.</param>
/// <param name="NotUnsubscribed">Left the configuration, but the broker refused to unsubscribe them.</param>
/// <param name="SessionPresent">Whether the broker resumed the persistent session.</param>
/// <param name="Saved">Whether the list was written to <c>DataDirectory/state/subscriptions.json</c>.</param>
internal sealed record SubscriptionsView(
    IReadOnlyList<string> Filters,
    IReadOnlyList<string> Unsubscribed,
    IReadOnlyList<string> NotUnsubscribed,
    bool SessionPresent,
    bool Saved);
