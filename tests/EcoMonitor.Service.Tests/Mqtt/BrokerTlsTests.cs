using System.Globalization;
using EcoMonitor.Runtime.Broker;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;

namespace EcoMonitor.Service.Tests.Mqtt;

/// <summary>
/// The broker's TLS listener with a CA and a server certificate made here (openssl): the options
/// <see cref="BrokerClientFactory"/> builds from <c>Mqtt:UseTls</c> and <c>Mqtt:CaFile</c> connect, and
/// trust no other CA (docs/mqtt.md, "Broker configuration").
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BrokerTlsTests
{
    [Fact(Timeout = 120_000)]
    public async Task The_service_connects_over_tls_trusting_its_ca_file_and_refuses_a_broker_signed_by_another_ca()
    {
        var ct = TestContext.Current.CancellationToken;
        var certificates = Directory.CreateTempSubdirectory("ecomonitor-tls-");
        try
        {
            var dir = certificates.FullName;
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
            await OpenSslAsync(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=EcoMonitor test CA");
            await OpenSslAsync(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "1", "-subj", "/CN=Another CA");
            await OpenSslAsync(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
            await File.WriteAllTextAsync(Path.Combine(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n", ct);
            await OpenSslAsync(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "san.ext");
            foreach (var file in Directory.GetFiles(dir))
            {
                // mosquitto drops to its own user before it reads them.
                File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
            }

            await using var broker = await ShippedBrokerConfigTests.StartShippedAsync(
                ct,
                b => string.Create(CultureInfo.InvariantCulture, $"listener {b.Port} 127.0.0.1\ncafile {dir}/ca.crt\ncertfile {dir}/server.crt\nkeyfile {dir}/server.key"));

            var factory = new BrokerClientFactory(NullLoggerFactory.Instance);
            using (var client = factory.CreateClient())
            {
                var result = await client.ConnectAsync(Options(broker, Path.Combine(dir, "ca.crt")), ct);
                Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
            }

            using (var client = factory.CreateClient())
            {
                var refused = await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(Options(broker, Path.Combine(dir, "other-ca.crt")), ct));
                Assert.False(client.IsConnected);
                Assert.Contains("certificate", refused.ToString(), StringComparison.OrdinalIgnoreCase);
            }
        }
        finally
        {
            certificates.Delete(recursive: true);
        }
    }

    private static MqttClientOptions Options(MosquittoServer broker, string caFile) =>
        BrokerClientFactory.OptionsFor(
            new MqttConnectionOptions
            {
                Host = "127.0.0.1",
                Port = broker.Port,
                UseTls = true,
                CaFile = caFile,
                Username = "ecomonitor",
                Password = "ecomonitor-secret",
                ConnectTimeout = TimeSpan.FromSeconds(10),
            },
            $"test-{Guid.NewGuid():N}").Build();

    private static async Task OpenSslAsync(string directory, params string[] arguments)
    {
        await using var openssl = ServerProcess.Start(ServerBinaries.Find("openssl"), arguments, directory);
        Assert.True(await openssl.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"openssl {string.Join(' ', arguments)} did not finish");
        Assert.True(openssl.ExitCode == 0, $"openssl {string.Join(' ', arguments)} exited {openssl.ExitCode}: {openssl.Output}");
    }
}
