using MQTTnet;

namespace EcoMonitor.Runtime.Broker;

/// <summary>
/// One client of the service's broker for a sender (a notification channel, the checkpoint
/// publisher): it connects with a clean session on first use, and after any failure the caller
/// drops it (<see cref="DropAsync"/>) and the next use connects again. Not thread-safe: each
/// owner serialises its uses.
/// </summary>
public sealed class BrokerConnection(BrokerClientFactory clients, MqttConnectionOptions options, string clientId)
{
    private IMqttClient? _client;

    public string ClientId => clientId;

    /// <summary>The connected client, and whether this call connected it (for the caller's log).</summary>
    /// <exception cref="TimeoutException">No CONNACK within <see cref="MqttConnectionOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The broker refused, or TLS failed (the reason names the certificate problem).</exception>
    public async Task<(IMqttClient Client, bool Connected)> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true } connected)
        {
            return (connected, false);
        }

        await DropAsync();
        var client = clients.CreateClient();
        _client = client;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(options.ConnectTimeout);
        MqttClientConnectResult result;
        try
        {
            result = await client.ConnectAsync(BrokerClientFactory.OptionsFor(options, clientId).WithCleanStart(true).Build(), attempt.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no CONNACK from {options.Host}:{options.Port} within {options.ConnectTimeout}", ex);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && BrokerTlsFailure.Describe(ex, options) is { } reason)
        {
            // The owner's health then names the certificate problem (docs/mqtt.md#tls).
            throw new InvalidOperationException(reason, ex);
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"broker {options.Host}:{options.Port} refused the connection: {result.ResultCode} {result.ReasonString}");
        }

        return (client, true);
    }

    /// <summary>Disconnects (normally, when still connected) and forgets the client.</summary>
    public async Task DropAsync()
    {
        if (_client is not { } client)
        {
            return;
        }

        _client = null;
        if (client.IsConnected)
        {
            await client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.NormalDisconnection, "closing");
        }

        client.Dispose();
    }
}
