using System.Collections.Concurrent;
using EcoMonitor.Service.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace EcoMonitor.Service.Tests.FirmwareSim;

/// <summary>Watches <c>eco/{site}/+/+/status</c> and keeps every status message, retained or live, in order.</summary>
internal sealed class StatusSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly ConcurrentQueue<StatusMessage> _messages = new();

    private StatusSubscriber(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += args =>
        {
            var message = args.ApplicationMessage;
            _messages.Enqueue(new StatusMessage(message.Topic, message.ConvertPayloadToString(), message.Retain));
            return Task.CompletedTask;
        };
    }

    public IReadOnlyList<StatusMessage> Messages => [.. _messages];

    public static async Task<StatusSubscriber> StartAsync(MosquittoServer broker, string site, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var subscriber = new StatusSubscriber(client);
        try
        {
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer(broker.Host, broker.Port)
                .WithClientId($"status-watch-{Guid.NewGuid():N}")
                .Build();
            await client.ConnectAsync(options, cancellationToken);
            await client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter($"eco/{site}/+/+/status", MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build(),
                cancellationToken);
            return subscriber;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The payloads seen on <paramref name="topic"/>, in order.</summary>
    public IReadOnlyList<string> History(string topic) => [.. _messages.Where(m => m.Topic == topic).Select(m => m.Payload)];

    /// <summary>The latest payload seen on <paramref name="topic"/>, or null.</summary>
    public string? Last(string topic) => _messages.LastOrDefault(m => m.Topic == topic)?.Payload;

    /// <summary>The payload the broker handed over as retained on <paramref name="topic"/> (at subscribe time), or null.</summary>
    public string? Retained(string topic) => _messages.LastOrDefault(m => m.Topic == topic && m.Retained)?.Payload;

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        }

        _client.Dispose();
    }
}

internal sealed record StatusMessage(string Topic, string Payload, bool Retained);
