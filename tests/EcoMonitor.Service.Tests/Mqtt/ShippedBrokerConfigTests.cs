using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using EcoMonitor.Service.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace EcoMonitor.Service.Tests.Mqtt;

/// <summary>
/// deploy/mosquitto/ (mosquitto.conf and acl) loaded by a real mosquitto, its port, files and
/// folders substituted: nodes log in and publish only their own topics, the service reads them all
/// (docs/mqtt.md, "Broker security").
/// </summary>
public sealed class ShippedBrokerConfigTests
{
    private const string ServiceUser = "ecomonitor";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 120_000)]
    public async Task A_node_may_publish_its_own_series_but_not_another_nodes_and_the_service_receives_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await StartShippedAsync(ct);
        var received = new ConcurrentQueue<string>();
        using var service = await SubscribeAsServiceAsync(broker, received, ct);

        using var node = await ConnectAsync(broker, "node-1", ct);
        // Another node's series first, then its own: the broker delivers one publisher's messages in order.
        await PublishAsync(node, "eco/site-1/air/node-2", ct);
        await PublishAsync(node, "eco/site-1/air/node-1/status", ct);
        await PublishAsync(node, "eco/site-1/air/node-1", ct);

        await Eventually.WaitAsync(() => received.Contains("eco/site-1/air/node-1"), Deadline, "the service to receive node-1's own reading", ct);
        Assert.Equal(["eco/site-1/air/node-1/status", "eco/site-1/air/node-1"], received.ToArray());
        Assert.Contains("'eco/site-1/air/node-2'", broker.ReadLog().Split('\n').Single(line => line.Contains("Denied PUBLISH", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Theory(Timeout = 120_000)]
    [InlineData(null, null)]
    [InlineData("node-1", "not-its-password")]
    [InlineData("stranger", "whatever")]
    public async Task Anonymous_clients_and_wrong_passwords_are_refused(string? user, string? password)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await StartShippedAsync(ct);
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId($"test-{Guid.NewGuid():N}");
        if (user is not null)
        {
            options.WithCredentials(user, password);
        }

        // mosquitto answers CONNACK 0x87 "not authorized"; MQTTnet returns it rather than throwing.
        var refused = await client.ConnectAsync(options.Build(), ct);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused.ResultCode);
        Assert.False(client.IsConnected);
    }

    internal static string PasswordOf(string user) => $"{user}-secret";

    /// <summary>
    /// The shipped configuration on a free loopback port, with a password file for the service and two nodes,
    /// and <paramref name="moreUsers"/> (user → password). <paramref name="aclAppendix"/> is added to the
    /// copied ACL, for a test's own account; the shipped file is unchanged.
    /// </summary>
    internal static Task<MosquittoServer> StartShippedAsync(
        CancellationToken cancellationToken,
        Func<MosquittoServer, string>? listener = null,
        IReadOnlyDictionary<string, string>? moreUsers = null,
        string? aclAppendix = null) =>
        MosquittoServer.StartWithConfigAsync(
            broker =>
            {
                var deploy = Path.Combine(ServiceProcess.RepositoryRoot().FullName, "deploy", "mosquitto");
                var passwd = Path.Combine(broker.Folder, "passwd");
                var acl = Path.Combine(broker.Folder, "acl");
                File.Copy(Path.Combine(deploy, "acl"), acl, overwrite: true);
                if (aclAppendix is not null)
                {
                    File.AppendAllText(acl, "\n" + aclAppendix + "\n");
                }

                File.Delete(passwd);
                var users = new[] { ServiceUser, "node-1", "node-2" }.Select(user => (User: user, Password: PasswordOf(user)))
                    .Concat((moreUsers ?? new Dictionary<string, string>()).Select(u => (User: u.Key, Password: u.Value)));
                foreach (var (user, password) in users)
                {
                    RunPasswd(File.Exists(passwd) ? ["-b", passwd, user, password] : ["-c", "-b", passwd, user, password]);
                }

                var shipped = File.ReadAllText(Path.Combine(deploy, "mosquitto.conf"));
                Assert.Contains("listener 1883\n", shipped, StringComparison.Ordinal);
                Assert.Contains("password_file /etc/mosquitto/passwd\n", shipped, StringComparison.Ordinal);
                Assert.Contains("acl_file /etc/mosquitto/acl\n", shipped, StringComparison.Ordinal);
                Assert.Contains("persistence_location /var/lib/mosquitto/\n", shipped, StringComparison.Ordinal);
                return shipped
                    .Replace("listener 1883\n", (listener?.Invoke(broker) ?? string.Create(CultureInfo.InvariantCulture, $"listener {broker.Port} 127.0.0.1")) + "\n", StringComparison.Ordinal)
                    .Replace("password_file /etc/mosquitto/passwd\n", $"password_file {passwd}\n", StringComparison.Ordinal)
                    .Replace("acl_file /etc/mosquitto/acl\n", $"acl_file {acl}\n", StringComparison.Ordinal)
                    .Replace("persistence_location /var/lib/mosquitto/\n", $"persistence_location {broker.Folder}/\n", StringComparison.Ordinal)
                    + $"\nlog_dest file {broker.LogFile}\nlog_type all\n";
            },
            cancellationToken);

    /// <summary>The service's account subscribed to <c>eco/#</c>, as EcoMonitor is; the topics it receives go to <paramref name="received"/>.</summary>
    internal static async Task<IMqttClient> SubscribeAsServiceAsync(MosquittoServer broker, ConcurrentQueue<string> received, CancellationToken cancellationToken)
    {
        var service = await ConnectAsync(broker, ServiceUser, cancellationToken);
        service.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        var subscribed = await service.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("eco/#", MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, subscribed.Items.Single().ResultCode);
        return service;
    }

    internal static async Task<IMqttClient> ConnectAsync(MosquittoServer broker, string user, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(
            new MqttClientOptionsBuilder()
                .WithTcpServer(broker.Host, broker.Port)
                .WithClientId($"{user}-{Guid.NewGuid():N}")
                .WithCredentials(user, PasswordOf(user))
                .Build(),
            cancellationToken);
        return client;
    }

    private static async Task PublishAsync(IMqttClient client, string topic, CancellationToken cancellationToken) =>
        await client.PublishAsync(
            new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(Encoding.UTF8.GetBytes("{}"))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(),
            cancellationToken);

    private static void RunPasswd(string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(ServerBinaries.Find("mosquitto_passwd"), arguments);
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_passwd {string.Join(' ', arguments)} failed");
        }
    }
}
