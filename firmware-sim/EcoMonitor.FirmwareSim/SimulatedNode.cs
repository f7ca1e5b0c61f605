using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace EcoMonitor.FirmwareSim;

/// <summary>
/// One node's MQTT session, set up as field firmware does: MQTT v5, a stable client id, no clean
/// start, a retained <c>offline</c> Last Will on the status topic and a retained <c>online</c> once connected.
/// </summary>
internal sealed class SimulatedNode : IDisposable
{
    private const string Online = "online";
    private const string Offline = "offline";

    /// <summary>
    /// Bounds every connect, publish and acknowledgement wait. Publishes are never cancelled from
    /// outside: a publish cancelled half-way may or may not have reached the broker, which would make
    /// the summary's counts unreliable. This timeout is the only way one ends early.
    /// </summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly MqttQualityOfServiceLevel _qos;
    private readonly TextWriter _log;
    private bool _connectionLost;

    public SimulatedNode(NodeIdentity identity, FleetOptions options, MqttClientFactory factory, TextWriter log)
    {
        Identity = identity;
        _log = log;
        _qos = options.Qos == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce;
        _client = factory.CreateMqttClient();
        _clientOptions = factory.CreateClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(identity.ClientId)
            // Resume the session like firmware does. Session expiry stays 0: a publish-only node has no
            // subscriptions worth keeping, and the broker need not hold thousands of idle sessions after a run.
            .WithCleanStart(false)
            .WithTimeout(RequestTimeout)
            .WithWillTopic(identity.StatusTopic)
            .WithWillPayload(Offline)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
    }

    public NodeIdentity Identity { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Connects and announces <c>online</c>; throws when the broker is unreachable or refuses.</summary>
    public async Task ConnectAsync(CancellationToken ct)
    {
        var result = await _client.ConnectAsync(_clientOptions, ct);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new FleetConnectionException($"broker refused {Identity.ClientId}: {result.ResultCode} {result.ReasonString}".TrimEnd());
        }

        await PublishStatusAsync(Online);
    }

    /// <summary>
    /// Publishes one data message and waits until the broker has it (PUBACK at QoS 1). Returns false
    /// when it could not; a node that lost its connection tries to reconnect once per message, so
    /// the tick interval is its back-off.
    /// </summary>
    public async Task<bool> PublishAsync(SimulatedMessage message)
    {
        if (!_client.IsConnected && !await TryReconnectAsync())
        {
            return false;
        }

        var mqttMessage = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload)
            .WithQualityOfServiceLevel(_qos)
            .Build();
        try
        {
            var result = await _client.PublishAsync(mqttMessage, CancellationToken.None);
            // "No matching subscribers" is still an accepted message: the broker took responsibility for it.
            if (result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers)
            {
                return true;
            }

            await _log.WriteLineAsync($"warning: broker refused a message of {Identity.ClientId}: {result.ReasonCode} {result.ReasonString}".TrimEnd());
            return false;
        }
        catch (MqttCommunicationException ex)
        {
            await ReportConnectionLostAsync(ex);
            return false;
        }
    }

    /// <summary>Announces <c>offline</c> and disconnects normally, so the broker discards the Last Will.</summary>
    public async Task StopAsync()
    {
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            await PublishStatusAsync(Offline);
            var disconnect = new MqttClientDisconnectOptionsBuilder()
                .WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection)
                .Build();
            await _client.DisconnectAsync(disconnect, CancellationToken.None);
        }
        catch (MqttCommunicationException ex)
        {
            // Not fatal: if the connection is gone, the broker publishes the retained offline Will instead.
            await _log.WriteLineAsync($"warning: {Identity.ClientId} did not stop cleanly: {ex.Message}");
        }
    }

    public void Dispose() => _client.Dispose();

    private async Task<bool> TryReconnectAsync()
    {
        try
        {
            await ConnectAsync(CancellationToken.None);
            _connectionLost = false;
            await _log.WriteLineAsync($"{Identity.ClientId} reconnected");
            return true;
        }
        catch (MqttCommunicationException ex)
        {
            await ReportConnectionLostAsync(ex);
            return false;
        }
    }

    private async Task ReportConnectionLostAsync(MqttCommunicationException ex)
    {
        // Once per outage, not once per tick: a dead broker would otherwise flood stderr.
        if (!_connectionLost)
        {
            _connectionLost = true;
            await _log.WriteLineAsync($"warning: {Identity.ClientId} lost the broker: {ex.Message}");
        }
    }

    private async Task PublishStatusAsync(string status)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Identity.StatusTopic)
            .WithPayload(status)
            .WithRetainFlag(true)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await _client.PublishAsync(message, CancellationToken.None);
        if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
        {
            throw new MqttCommunicationException($"broker refused status '{status}' of {Identity.ClientId}: {result.ReasonCode} {result.ReasonString}".TrimEnd());
        }
    }
}
