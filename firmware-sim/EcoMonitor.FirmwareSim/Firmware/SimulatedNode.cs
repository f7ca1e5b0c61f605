using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EcoMonitor.FirmwareSim.Firmware;

/// <summary>
/// One node's firmware. Its MQTT session is set up as field firmware does it: MQTT 3.1.1 or 5, a stable
/// client id, a persistent session (no clean session; a session expiry with MQTT 5), a retained
/// <c>offline</c> Last Will on the status topic and a retained <c>online</c> once connected. It stamps
/// messages with its own drifting <see cref="Clock"/>, loses the network on its outage schedule, keeps
/// what it cannot send in a bounded <see cref="StoreAndForwardBuffer"/> and replays it in batches once
/// it is back, and now and then sends a message twice.
/// </summary>
/// <remarks>
/// The node's own loop calls <see cref="SendAsync"/>, <see cref="IdleTickAsync"/> and
/// <see cref="FlushAsync"/> one at a time; only <see cref="Kill"/> may come from another thread.
/// </remarks>
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

    private readonly NodeEnvironment _environment;
    private readonly MqttClientOptions _clientOptions;
    private readonly MqttQualityOfServiceLevel _qos;
    private readonly NodeTraits _traits;
    private readonly StoreAndForwardBuffer _buffer;
    private readonly Lock _clientLock = new();
    private readonly string? _username;
    private IMqttClient _client;
    private volatile bool _killed;
    private bool _connectionLost;
    private bool _inOutage;

    public SimulatedNode(NodeIdentity identity, NodeEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(environment);
        Identity = identity;
        _environment = environment;
        var options = environment.Options;
        _qos = options.Qos == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce;
        _traits = NodeTraits.For(identity, options);
        _buffer = new StoreAndForwardBuffer(options.BufferCapacity);
        Clock = new NodeClock(environment.Time, environment.ClockOrigin, _traits.DriftPpm, _traits.ClockOffset);
        _client = environment.Factory.CreateMqttClient();
        var builder = environment.Factory.CreateClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithProtocolVersion(options.Protocol == MqttProtocol.Mqtt311 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500)
            .WithClientId(identity.ClientId)
            // Clean session (3.1.1) and clean start (5) are the same flag in MQTTnet. Off: the broker
            // resumes the node's session, as firmware that keeps its client id expects.
            .WithCleanSession(options.CleanSession)
            .WithTimeout(RequestTimeout)
            .WithWillTopic(identity.StatusTopic)
            .WithWillPayload(Offline)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (options.Protocol == MqttProtocol.Mqtt5 && !options.CleanSession)
        {
            // MQTT 5 ends a session at disconnect unless it has an expiry; 3.1.1 keeps it until the broker's own limit.
            builder = builder.WithSessionExpiryInterval((uint)options.SessionExpiry.TotalSeconds);
        }

        if (options.Credentials is { } credentials)
        {
            _username = credentials.UsernameOf(identity);
            builder = builder.WithCredentials(_username, credentials.Password);
        }

        _clientOptions = builder.Build();
    }

    public NodeIdentity Identity { get; }

    /// <summary>The node's real-time clock: the payload timestamps.</summary>
    public NodeClock Clock { get; }

    public bool IsConnected => !_killed && _client.IsConnected;

    /// <summary>True once <see cref="Kill"/> was called: the node is gone for the rest of the run.</summary>
    public bool IsKilled => _killed;

    /// <summary>Messages waiting in the store-and-forward buffer.</summary>
    public int Buffered => _buffer.Count;

    /// <summary>Connects and announces <c>online</c>; throws when the broker is unreachable or refuses.</summary>
    public async Task ConnectAsync(CancellationToken ct)
    {
        var result = await _client.ConnectAsync(_clientOptions, ct);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw FleetConnectionException.Refused(Identity.ClientId, _username, result);
        }

        await PublishStatusAsync(Online);
    }

    /// <summary>
    /// Handles one freshly made message. In an outage, or when the broker cannot be reached (one
    /// reconnect attempt per message, so the tick interval is the back-off), the message goes into the
    /// buffer. Otherwise the buffer is replayed first, oldest first, and then the message is published;
    /// it is sent a second time when it is one of the <see cref="FleetOptions.DuplicateEvery"/> resends.
    /// Its fate is reported through <see cref="NodeEnvironment.Report"/> once known.
    /// </summary>
    public async Task SendAsync(SimulatedMessage message, long seq, TimeSpan sinceStart)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (InOutage(sinceStart) || !await EnsureConnectedAsync() || !await ReplayAsync())
        {
            Keep(message);
            return;
        }

        switch (await PublishDataAsync(message.Topic, message.Payload))
        {
            case Outcome.Accepted:
                _environment.Report(message, true);
                Record(PublicationKind.Live, message.Topic, message.Payload, [message]);
                if (IsResent(message, seq) && await PublishDataAsync(message.Topic, message.Payload) == Outcome.Accepted)
                {
                    _environment.Firmware.Duplicate();
                    Record(PublicationKind.Duplicate, message.Topic, message.Payload, [message]);
                }

                break;
            case Outcome.Refused:
                // Sending it again would be refused again; the warning is already written.
                _environment.Report(message, false);
                break;
            default:
                // Whether the broker got it is unknown: keep it, a replay makes it at-least-once.
                Keep(message);
                break;
        }
    }

    /// <summary>
    /// A tick without a new message (after the node's last one): once an outage is over the node comes
    /// back and replays what it kept, instead of waiting for the end of the run.
    /// </summary>
    public async Task IdleTickAsync(TimeSpan sinceStart)
    {
        if (_buffer.Count > 0 && !InOutage(sinceStart) && await EnsureConnectedAsync())
        {
            await ReplayAsync();
        }
    }

    /// <summary>
    /// At the end of the run, outages end with it: the node reconnects if it has to and replays its
    /// buffer. What still cannot be delivered (broker down, node killed) is reported as not accepted.
    /// </summary>
    public async Task FlushAsync()
    {
        _inOutage = false;
        if (_buffer.Count > 0 && await EnsureConnectedAsync())
        {
            await ReplayAsync();
        }

        foreach (var message in _buffer.Clear())
        {
            _environment.Report(message, false);
        }
    }

    /// <summary>
    /// Makes the node vanish as if its power were cut: the client is disposed without a DISCONNECT, which
    /// closes its socket under it (MQTTnet's dispose sends nothing). The broker sees the connection
    /// close and publishes the retained <c>offline</c> Last Will at once, instead of after 1.5 × the
    /// keep-alive as for a node that merely falls silent. The node stays gone for the rest of the run;
    /// its loop ends and what it had buffered is lost. Safe from any thread; false if already killed.
    /// </summary>
    public bool Kill()
    {
        lock (_clientLock)
        {
            if (_killed)
            {
                return false;
            }

            _killed = true;
            _client.Dispose();
        }

        _environment.Firmware.Kill();
        return true;
    }

    /// <summary>Announces <c>offline</c> and disconnects normally, so the broker discards the Last Will.</summary>
    public async Task StopAsync()
    {
        if (!IsConnected)
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
        catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException)
        {
            // Not fatal: if the connection is gone, the broker publishes the retained offline Will instead.
            // (InvalidOperationException: killed meanwhile, so the client is disposed.)
            await _environment.Log.WriteLineAsync($"warning: {Identity.ClientId} did not stop cleanly: {ex.Message}");
        }
    }

    public void Dispose()
    {
        lock (_clientLock)
        {
            _client.Dispose();
        }
    }

    /// <summary>
    /// Whether the node is in an outage now. Entering one drops the connection without a DISCONNECT, as
    /// a lost network does, so the broker publishes the Last Will.
    /// </summary>
    private bool InOutage(TimeSpan sinceStart)
    {
        var offline = _traits.IsOffline(sinceStart, _environment.Options);
        if (offline && !_inOutage)
        {
            _environment.Firmware.OfflinePeriod();
            DropConnection();
        }

        _inOutage = offline;
        return offline;
    }

    /// <summary>Closes the socket without a DISCONNECT and takes a fresh client for the next connect.</summary>
    private void DropConnection()
    {
        lock (_clientLock)
        {
            if (_killed)
            {
                return;
            }

            var dropped = _client;
            _client = _environment.Factory.CreateMqttClient();
            dropped.Dispose();
        }
    }

    private void Keep(SimulatedMessage message)
    {
        _environment.Firmware.Buffer();
        if (_buffer.Add(message) is not null)
        {
            // The dropped message is lost for good, as on a device; it is neither published nor failed.
            _environment.Firmware.Dropped();
        }
    }

    /// <summary>
    /// Sends the buffer, oldest first, in batches (<see cref="StoreAndForwardBuffer.NextBatch"/>), each
    /// removed once the broker has it. True when the buffer is empty; false when the connection was lost
    /// on the way (the unsent rest stays for the next try).
    /// </summary>
    private async Task<bool> ReplayAsync()
    {
        while (_buffer.Count > 0)
        {
            var batch = _buffer.NextBatch(_environment.Options.ReplayBatchSize);
            var outcome = await PublishDataAsync(batch.Topic, batch.Payload);
            if (outcome == Outcome.Lost)
            {
                return false;
            }

            _buffer.RemoveFirst(batch.Messages.Count);
            foreach (var message in batch.Messages)
            {
                _environment.Report(message, outcome == Outcome.Accepted);
            }

            if (outcome == Outcome.Accepted)
            {
                _environment.Firmware.Replay(batch.Messages.Count);
                Record(PublicationKind.Replay, batch.Topic, batch.Payload, batch.Messages);
            }
        }

        return true;
    }

    /// <summary>
    /// Resends are chosen like the bad messages: the fleet's messages ordered by (seq, node), positions
    /// N, 2N, 3N… A bad message is never resent, so every bad message reaches a consumer exactly once.
    /// </summary>
    private bool IsResent(SimulatedMessage message, long seq)
    {
        var every = _environment.Options.DuplicateEvery;
        var ordinal = ((seq - 1) * _environment.NodeCount) + Identity.Index + 1;
        return every > 0 && message.Fault is null && ordinal % every == 0;
    }

    /// <summary>Connected, or connected again now (one attempt); false when the broker cannot be reached.</summary>
    private async Task<bool> EnsureConnectedAsync()
    {
        if (_killed)
        {
            return false;
        }

        if (_client.IsConnected)
        {
            return true;
        }

        try
        {
            await ConnectAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or FleetConnectionException or InvalidOperationException)
        {
            // InvalidOperationException: MQTTnet still winding down the lost connection, or killed meanwhile.
            await ReportConnectionLostAsync(ex);
            return false;
        }

        _environment.Firmware.Reconnect();
        if (_connectionLost)
        {
            _connectionLost = false;
            await _environment.Log.WriteLineAsync($"{Identity.ClientId} reconnected");
        }

        return true;
    }

    private async Task<Outcome> PublishDataAsync(string topic, byte[] payload)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(_qos)
            .Build();
        try
        {
            var result = await _client.PublishAsync(message, CancellationToken.None);
            // "No matching subscribers" is still an accepted message: the broker took responsibility for it.
            if (result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers)
            {
                return Outcome.Accepted;
            }

            await _environment.Log.WriteLineAsync($"warning: broker refused a message of {Identity.ClientId}: {result.ReasonCode} {result.ReasonString}".TrimEnd());
            return Outcome.Refused;
        }
        catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException)
        {
            // InvalidOperationException (ObjectDisposedException): killed while publishing.
            await ReportConnectionLostAsync(ex);
            return Outcome.Lost;
        }
    }

    private async Task ReportConnectionLostAsync(Exception ex)
    {
        // Once per outage, not once per tick: a dead broker would otherwise flood stderr. A killed node
        // and a scheduled outage are expected, so they are not reported.
        if (!_connectionLost && !_killed && !_inOutage)
        {
            _connectionLost = true;
            await _environment.Log.WriteLineAsync($"warning: {Identity.ClientId} lost the broker: {ex.Message}");
        }
    }

    private void Record(PublicationKind kind, string topic, byte[] payload, IReadOnlyList<SimulatedMessage> messages) =>
        _environment.Recorder?.Add(new Publication(Identity, kind, topic, payload, messages, _environment.Time.GetUtcNow()));

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

    private enum Outcome
    {
        /// <summary>PUBACK (QoS 1) or written to the socket (QoS 0).</summary>
        Accepted,

        /// <summary>The broker answered with a failure reason code.</summary>
        Refused,

        /// <summary>No answer: the connection broke or the request timed out; the broker may or may not have it.</summary>
        Lost,
    }
}
