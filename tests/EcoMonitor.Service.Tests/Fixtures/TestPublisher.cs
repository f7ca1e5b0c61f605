using System.Diagnostics;
using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>Publishes test traffic, with MQTTnet or with mosquitto_pub (a client nobody here wrote).</summary>
public static class TestPublisher
{
    public static async Task PublishAsync(MosquittoServer broker, IEnumerable<(string Topic, byte[] Payload)> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broker);
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId($"test-publisher-{Guid.NewGuid():N}")
            .Build();
        await client.ConnectAsync(options, cancellationToken);
        foreach (var (topic, payload) in messages)
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            var result = await client.PublishAsync(message, cancellationToken);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"publish to {topic} failed: {result.ReasonCode}");
            }
        }

        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cancellationToken);
    }

    /// <summary>
    /// One mosquitto_pub process sends every line of <paramref name="lines"/> as a message (-l);
    /// <paramref name="options"/> go before (e.g. <c>--cafile</c>, <c>-u</c>, <c>--cert</c>).
    /// </summary>
    public static Task MosquittoPubLinesAsync(MosquittoServer broker, string topic, IEnumerable<string> lines, CancellationToken cancellationToken, params string[] options) =>
        MosquittoPubAsync(broker, [.. options, "-q", "1", "-t", topic, "-l"], lines, cancellationToken);

    /// <summary>One mosquitto_pub process (MQTT 5, QoS 1) sends the file <paramref name="path"/> as one message (-f).</summary>
    public static Task MosquittoPubFileAsync(MosquittoServer broker, string topic, string path, CancellationToken cancellationToken) =>
        MosquittoPubAsync(broker, ["-V", "mqttv5", "-q", "1", "-t", topic, "-f", path], [], cancellationToken);

    private static async Task MosquittoPubAsync(MosquittoServer broker, string[] arguments, IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broker);
        var info = new ProcessStartInfo(ServerBinaries.Find("mosquitto_pub"))
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-h", broker.Host, "-p", broker.Port.ToString(CultureInfo.InvariantCulture) }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        foreach (var line in lines)
        {
            await process.StandardInput.WriteLineAsync(line.AsMemory(), cancellationToken);
        }

        process.StandardInput.Close();
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_pub exited {process.ExitCode}: {error}");
        }
    }
}
