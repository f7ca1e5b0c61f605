using System.Net;
using System.Text;
using EcoMonitor.Audit.Log;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Audit.Publishing;
using EcoMonitor.Runtime.Broker;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Mqtt;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>
/// The signed checkpoint on MQTT (docs/audit.md#witnessing), against real mosquitto: retained on
/// <c>eco/audit/checkpoint</c>, the same note <c>/audit/checkpoint</c> serves; the shipped ACL lets
/// any login read it and none but the service's write it; published when the log opens with one,
/// and, after a broker outage, the newest note once the broker is back.
/// </summary>
public sealed class CheckpointPublishingTests(Servers servers)
{
    private const string Topic = "eco/audit/checkpoint";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RetainedWait = TimeSpan.FromSeconds(5);

    [Fact(Timeout = 120_000)]
    public async Task The_service_publishes_its_checkpoint_retained_and_a_node_login_reads_it_but_cannot_replace_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await ShippedBrokerConfigTests.StartShippedAsync(ct);
        var directory = Directory.CreateTempSubdirectory("ecomonitor-audit-mqtt-");
        try
        {
            const string origin = "eco.example/audit-mqtt";
            var keys = NoteKeys.Generate(origin);
            var keyFile = Path.Combine(directory.FullName, "signing.key");
            await File.WriteAllTextAsync(keyFile, keys.SignerKey + "\n", ct);
            await using var service = await ServiceUnderTest.StartAsync(servers, $"ckp-{Guid.NewGuid():N}"[..15], ct,
                $"--Mqtt:Port={broker.Port}", "--Mqtt:Username=ecomonitor", $"--Mqtt:Password={ShippedBrokerConfigTests.PasswordOf("ecomonitor")}",
                $"--Audit:SigningKeyFile={keyFile}", $"--Audit:Origin={origin}", "--Audit:CheckpointInterval=00:00:01");
            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            var verifier = NoteVerifier.Parse(keys.VerifierKey);

            // The log stops growing once the start's records are in: then the retained note is the served one.
            string? served = null;
            await Eventually.WaitAsync(
                async () =>
                {
                    using var response = await http.GetAsync(new Uri("/audit/checkpoint", UriKind.Relative), ct);
                    served = response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync(ct) : null;
                    return served is not null && await RetainedAsync(broker, "node-1", ct) is { } retained && retained.Note == served;
                },
                Deadline,
                "the retained checkpoint to be the one /audit/checkpoint serves",
                ct);
            var checkpoint = Checkpoint.Open(served!, verifier);
            Assert.Equal(origin, checkpoint.Origin);
            Assert.True(service.Services.GetRequiredService<AuditMetrics>().CheckpointsPublished.Value >= 1);

            // A node's login may not replace it: the broker drops the forgery, the signed note stays.
            using (var node = await ShippedBrokerConfigTests.ConnectAsync(broker, "node-2", ct))
            {
                await node.PublishAsync(
                    new MqttApplicationMessageBuilder().WithTopic(Topic).WithPayload(Encoding.UTF8.GetBytes("forged")).WithRetainFlag(true)
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                    ct);
            }

            await Eventually.WaitAsync(() => broker.ReadLog().Contains($"Denied PUBLISH from node-2", StringComparison.Ordinal), Deadline, "the broker to deny node-2's publish", ct);
            var after = await RetainedAsync(broker, "node-1", ct);
            Assert.NotNull(after);
            Assert.Equal(checkpoint.Size, Checkpoint.Open(after.Value.Note, verifier).Size);
            Assert.True(after.Value.Retained);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task The_checkpoint_the_log_opens_with_is_published_and_one_signed_while_the_broker_is_down_follows_when_it_is_back()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await MosquittoServer.StartAsync(ct);
        await using var test = new TestAuditLog().Start();
        await test.Log.AppendAsync(TestAuditLog.Record(1), ct);
        Assert.True(test.Log.WriteCheckpointIfGrown());
        var first = test.Log.LatestCheckpoint!;
        await test.StopAsync();

        // A new log on the same files: it opens with the checkpoint signed before.
        await using var reopened = test.Reopen().Start();
        var options = reopened.Options;
        options.CheckpointTopic = $"eco/audit/{Guid.NewGuid():N}/checkpoint";
        using var publisher = new CheckpointPublisher(
            reopened.Log,
            options,
            new MqttConnectionOptions { Host = broker.Host, Port = broker.Port, ClientId = $"test-{Guid.NewGuid():N}", ConnectTimeout = TimeSpan.FromSeconds(2) },
            new BrokerClientFactory(NullLoggerFactory.Instance),
            reopened.Metrics,
            TimeProvider.System,
            NullLogger<CheckpointPublisher>.Instance);
        await publisher.StartAsync(ct);
        try
        {
            await Eventually.WaitAsync(async () => (await RetainedAsync(broker, null, ct, options.CheckpointTopic))?.Note == first, Deadline, "the opened log's checkpoint, retained", ct);

            // Signed while the broker is down: the attempts fail and are counted; the note is not lost.
            await broker.StopAsync();
            await reopened.Log.AppendAsync(TestAuditLog.Record(2), ct);
            Assert.True(reopened.Log.WriteCheckpointIfGrown());
            var second = reopened.Log.LatestCheckpoint!;
            await Eventually.WaitAsync(() => reopened.Metrics.Failures.WithLabels("checkpoint-publish").Value >= 1, Deadline, "a failed publish", ct);

            await broker.StartAgainAsync(ct);
            await Eventually.WaitAsync(async () => (await RetainedAsync(broker, null, ct, options.CheckpointTopic))?.Note == second, Deadline, "the newer checkpoint, retained, once the broker is back", ct);
            // Counted once the PUBACK is in, which may come after a witness already sees the note.
            await Eventually.WaitAsync(() => publisher.Published >= 2, Deadline, "the second publish counted", ct);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// What a new subscriber gets on <paramref name="topic"/> at once: the retained message, or null
    /// when none came within <see cref="RetainedWait"/> (the callers poll until one is there).
    /// <paramref name="user"/> logs in with the shipped accounts.
    /// </summary>
    private static async Task<(string Note, bool Retained)?> RetainedAsync(MosquittoServer broker, string? user, CancellationToken ct, string topic = Topic)
    {
        using var client = user is null ? new MqttClientFactory().CreateMqttClient() : await ShippedBrokerConfigTests.ConnectAsync(broker, user, ct);
        if (user is null)
        {
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId($"witness-{Guid.NewGuid():N}").Build(), ct);
        }

        // MQTTnet hands publishes to the handler on its own task: wait for the first, not for SUBACK.
        var first = new TaskCompletionSource<(string, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            first.TrySetResult((e.ApplicationMessage.ConvertPayloadToString(), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
        try
        {
            return await first.Task.WaitAsync(RetainedWait, ct);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            await client.DisconnectAsync(cancellationToken: ct);
        }
    }
}
