using EcoMonitor.Runtime.Broker;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;

namespace EcoMonitor.Service.Tests.Mqtt;

/// <summary>
/// The broker's TLS listener with certificates made here (<see cref="TestCertificates"/>): the options
/// <see cref="BrokerClientFactory"/> builds from <c>Mqtt:UseTls</c>, <c>Mqtt:CaFile</c> and the client
/// certificate connect, trust no other CA, and a refusal is described in an operator's words
/// (docs/mqtt.md#tls).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BrokerTlsTests
{
    [Fact(Timeout = 120_000)]
    public async Task The_service_connects_over_tls_trusting_its_ca_file_and_refuses_a_broker_signed_by_another_ca()
    {
        var ct = TestContext.Current.CancellationToken;
        using var certificates = await TestCertificates.CreateAsync(ct);
        await using var broker = await certificates.StartBrokerAsync(ct);

        var factory = new BrokerClientFactory(NullLoggerFactory.Instance);
        using (var client = factory.CreateClient())
        {
            var result = await client.ConnectAsync(Options(broker, certificates.CaFile).Build(), ct);
            Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        }

        using (var client = factory.CreateClient())
        {
            var options = Options(broker, certificates.OtherCaFile);
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(options.Build(), ct));
            Assert.False(client.IsConnected);
            var reason = BrokerTlsFailure.Describe(refused, options.Settings);
            Assert.NotNull(reason);
            Assert.Contains($"the broker's certificate is not trusted by Mqtt:CaFile '{certificates.OtherCaFile}'", reason, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task A_broker_that_requires_a_client_certificate_refuses_a_client_without_one_and_takes_one_the_ca_signed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var certificates = await TestCertificates.CreateAsync(ct);
        var (certificate, key) = await certificates.ClientAsync("ecomonitor", ct);
        await using var broker = await certificates.StartBrokerAsync(ct, requireClientCertificate: true);
        var factory = new BrokerClientFactory(NullLoggerFactory.Instance);

        using (var client = factory.CreateClient())
        {
            var options = Options(broker, certificates.CaFile);
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(options.Build(), ct));
            Assert.False(client.IsConnected);
            var reason = BrokerTlsFailure.Describe(refused, options.Settings);
            Assert.True(reason is not null, $"not described as a TLS failure: {refused}");
            Assert.Contains("it likely requires a client certificate; set Mqtt:ClientCertificateFile and Mqtt:ClientKeyFile", reason, StringComparison.Ordinal);
        }

        using (var client = factory.CreateClient())
        {
            var result = await client.ConnectAsync(Options(broker, certificates.CaFile, certificate, key).Build(), ct);
            Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        }
    }

    private static (MqttConnectionOptions Settings, Func<MqttClientOptions> Build) Options(MosquittoServer broker, string caFile, string? certificate = null, string? key = null)
    {
        var settings = new MqttConnectionOptions
        {
            Host = "127.0.0.1",
            Port = broker.Port,
            UseTls = true,
            CaFile = caFile,
            ClientCertificateFile = certificate,
            ClientKeyFile = key,
            Username = "ecomonitor",
            Password = ShippedBrokerConfigTests.PasswordOf("ecomonitor"),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        return (settings, () => BrokerClientFactory.OptionsFor(settings, $"test-{Guid.NewGuid():N}").Build());
    }
}
