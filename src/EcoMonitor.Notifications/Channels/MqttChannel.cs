using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Templates;
using EcoMonitor.Runtime.Broker;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EcoMonitor.Notifications.Channels;

/// <summary>
/// Publishes each notification as one JSON message (type <c>mqtt</c>) to
/// <c>{TopicPrefix}/{site}/{severity}</c>, QoS 1, not retained, for dashboards, sirens and
/// gateways on the broker the sensors already use.
/// </summary>
/// <remarks>
/// <para>The payload is the alert of docs/notifications.md#the-alert-object (<c>id</c>, <c>key</c>, <c>rule</c>, <c>state</c>,
/// <c>severity</c>, <c>kind</c>, <c>site</c>, <c>device</c>, <c>metric</c>, <c>value</c>,
/// <c>threshold</c>, <c>startsAt</c>, <c>endsAt</c>) with <c>reason</c>, <c>late</c>, and the
/// notification in words: <c>title</c> and <c>text</c> (one plain line) in the channel's language
/// and time zone, and <c>url</c> on the officers' page (null without
/// <see cref="NotificationOptions.PublicUrl"/>). <c>key</c> is the idempotency key: a subscriber
/// may see a notification twice (at least once) and can drop the copy by it.</para>
/// <para>The channel has its own client, apart from the ingest consumer (whose session is
/// persistent and whose acknowledgements must not wait on notifications): the service's broker,
/// credentials and TLS settings (<see cref="MqttConnectionOptions"/>), client id <c>{ClientId}-notify</c>,
/// a clean session. It connects on the first message, and after any failure drops the connection
/// and connects again on the next attempt; the dispatcher's retries pace that. A message counts
/// as delivered when the broker answered PUBACK for every notification in it ("no matching
/// subscribers" included: the broker took it). A site containing <c>/</c>, <c>+</c> or <c>#</c>
/// has them replaced by <c>_</c> in the topic.</para>
/// </remarks>
internal sealed partial class MqttChannel(
    ChannelOptions options,
    IOptions<MqttConnectionOptions> mqttOptions,
    BrokerClientFactory clients,
    NotificationFormatter formatter,
    IOptions<NotificationOptions> notificationOptions,
    ILogger<MqttChannel> logger) : INotificationChannel, IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,

        // A reading is never ±Infinity or NaN, but a channel must not fail for good on one.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly MqttConnectionOptions _mqtt = mqttOptions.Value;
    private readonly TimeZoneInfo _zone = TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone ?? notificationOptions.Value.TimeZone);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly BrokerConnection _connection = new(clients, mqttOptions.Value, mqttOptions.Value.ClientId + "-notify");
    private bool _disposed;

    public string Name => options.Name;

    /// <summary>The client id this channel connects with.</summary>
    public string ClientId => _connection.ClientId;

    /// <summary>The topic a notification goes to.</summary>
    public string TopicFor(AlertNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var site = notification.Site.Replace('/', '_').Replace('+', '_').Replace('#', '_');
        return $"{options.TopicPrefix.TrimEnd('/')}/{site}/{notification.Severity.ToName()}";
    }

    public async Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var zh = message.Rendered.Language != NotificationFormatter.English;
        var messages = message.Notifications.Select(n => Build(n, zh)).ToList();

        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var client = await ConnectedAsync(cancellationToken);
            foreach (var mqttMessage in messages)
            {
                await PublishAsync(client, mqttMessage, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not ChannelDeliveryException and not ObjectDisposedException)
        {
            // Whatever broke, the next attempt starts from a fresh connection.
            await DropClientAsync();
            throw;
        }
        finally
        {
            _gate.Release();
        }

        LogPublished(logger, Name, messages.Count, message.Key);
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await DropClientAsync();
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }

    private MqttApplicationMessage Build(AlertNotification n, bool zh)
    {
        var title = formatter.Render([n], zh ? NotificationFormatter.Chinese : NotificationFormatter.English, _zone.Id).Title;
        var payload = new AlertPayload(
            n.AlertId,
            n.Key,
            n.Rule,
            n.State == NotificationState.Firing ? "firing" : "resolved",
            n.Severity.ToName(),
            n.Kind.ToName(),
            n.Site,
            n.Device,
            n.Metric,
            n.Value,
            n.Threshold,
            n.StartsAt,
            n.EndsAt,
            ReasonName(n.Reason),
            n.Late,
            title,
            formatter.Line(n, zh, _zone, markdown: false),
            notificationOptions.Value.PublicUrl is { } url ? new Uri(url, $"alerts/{n.AlertId}").ToString() : null);
        return new MqttApplicationMessageBuilder()
            .WithTopic(TopicFor(n))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(payload, Json))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(false)
            .WithContentType("application/json")
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .Build();
    }

    private static string ReasonName(NotificationReason reason) => reason switch
    {
        NotificationReason.Started => "started",
        NotificationReason.SeverityChanged => "severity-changed",
        NotificationReason.Ended => "ended",
        NotificationReason.Repeat => "repeat",
        NotificationReason.FlappingStarted => "flapping-started",
        NotificationReason.FlappingEnded => "flapping-ended",
        NotificationReason.Backlog => "backlog",
        NotificationReason.RuleChanged => "rule-changed",
        _ => reason.ToString().ToLowerInvariant(),
    };

    private async Task PublishAsync(IMqttClient client, MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(options.Timeout);
        MqttClientPublishResult result;
        try
        {
            result = await client.PublishAsync(message, attempt.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no PUBACK for {message.Topic} within {options.Timeout}", ex);
        }

        if (!result.IsSuccess)
        {
            // The broker refused this message: a permission or a malformed topic is for good; a
            // quota or a broker-side error may pass.
            var retryable = result.ReasonCode is MqttClientPublishReasonCode.QuotaExceeded
                or MqttClientPublishReasonCode.UnspecifiedError
                or MqttClientPublishReasonCode.ImplementationSpecificError;
            throw new ChannelDeliveryException($"broker refused the publish to {message.Topic}: {result.ReasonCode} {result.ReasonString}", retryable);
        }
    }

    private async Task<IMqttClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        var (client, connected) = await _connection.ConnectedAsync(cancellationToken);
        if (connected)
        {
            LogConnected(logger, Name, _mqtt.Host, _mqtt.Port, ClientId);
        }

        return client;
    }

    private Task DropClientAsync() => _connection.DropAsync();

    [LoggerMessage(EventId = 7621, Level = LogLevel.Information, Message = "[{Channel}] connected to the broker {Host}:{Port} as {ClientId}")]
    private static partial void LogConnected(ILogger logger, string channel, string host, int port, string clientId);

    [LoggerMessage(EventId = 7622, Level = LogLevel.Debug, Message = "[{Channel}] published {Count} notification(s) of message {Key}")]
    private static partial void LogPublished(ILogger logger, string channel, int count, string key);

    /// <summary>One notification on the wire (docs/notifications.md#the-alert-object alert, plus words).</summary>
    private sealed record AlertPayload(
        string Id,
        string Key,
        string Rule,
        string State,
        string Severity,
        string Kind,
        string Site,
        string Device,
        string? Metric,
        double Value,
        double Threshold,
        DateTimeOffset StartsAt,
        DateTimeOffset? EndsAt,
        string Reason,
        bool Late,
        string Title,
        string Text,
        string? Url);
}
