using System.Text.Json;
using System.Text.RegularExpressions;
using EcoMonitor.Ingest.Mqtt;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Mqtt;

/// <summary>
/// The whole service as a process on mosquitto's TLS listener (the shipped configuration, certificates
/// from <see cref="TestCertificates"/>): it stores what nodes publish over TLS, says in
/// <c>/health/ready</c> and in one log line when the broker's certificate is not trusted, and
/// presents a client certificate to a broker that requires one (docs/mqtt.md#tls).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class ServiceTlsTests(Servers servers)
{
    private const int Readings = 20;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 180_000)]
    public async Task Over_tls_trusting_its_ca_file_the_service_is_ready_and_stores_what_a_node_publishes_over_tls()
    {
        var ct = TestContext.Current.CancellationToken;
        using var certificates = await TestCertificates.CreateAsync(ct);
        await using var broker = await certificates.StartBrokerAsync(ct);
        var site = NewSite();

        await using var service = await ServiceProcess.StartAsync(broker, servers.VictoriaMetrics, site, ct, extraArgs: [.. Tls(certificates.CaFile), .. ServicePassword]);

        await AssertStoresWhatANodePublishesAsync(service, broker, site, ct, "--cafile", certificates.CaFile, "-u", "node-1", "-P", ShippedBrokerConfigTests.PasswordOf("node-1"));
    }

    [Fact(Timeout = 180_000)]
    public async Task Trusting_another_ca_the_service_is_not_ready_and_says_once_that_the_brokers_certificate_is_not_trusted_by_its_ca_file()
    {
        var ct = TestContext.Current.CancellationToken;
        using var certificates = await TestCertificates.CreateAsync(ct);
        await using var broker = await certificates.StartBrokerAsync(ct);
        var site = NewSite();

        await using var service = await ServiceProcess.StartUnreadyAsync(
            broker,
            servers.VictoriaMetrics,
            site,
            ct,
            [
                .. Tls(certificates.OtherCaFile),
                .. ServicePassword,
                "--Mqtt:MaxReconnectDelay=00:00:00.200",

                // The repeated attempts show at Debug: the test sees they happened without a line each at Warning.
                "--Logging:LogLevel:EcoMonitor.Ingest.Mqtt.MqttPipelines=Debug",
            ]);

        Readiness? readiness = null;
        await Eventually.WaitAsync(
            async () => (readiness = await Readiness.ReadAsync(service.BaseAddress, ct)).Blocking(MqttIngestConsumer.TlsCondition) is not null
                && RetryLines().Count(service.Output) >= 3,
            Deadline,
            "the TLS condition raised and three connect attempts after it",
            ct);

        Assert.Equal(503, readiness!.Status);
        Assert.False(readiness.Data.GetProperty("mqtt").GetBoolean());
        var reason = readiness.Blocking(MqttIngestConsumer.TlsCondition)!;
        var expected = $"the broker's certificate is not trusted by Mqtt:CaFile '{certificates.OtherCaFile}'";
        Assert.Contains(expected, reason, StringComparison.Ordinal);
        var description = JsonDocument.Parse(readiness.Body).RootElement.GetProperty("checks").GetProperty("ingest").GetProperty("description").GetString();
        Assert.Contains($"not connected to the MQTT broker: {MqttIngestConsumer.TlsCondition}: TLS: {expected}", description, StringComparison.Ordinal);

        var output = service.Output;
        // Counted in the service's own line: ASP.NET logs each unhealthy probe with the check's description.
        Assert.True(CountOf(output, $"Cannot connect to the broker: TLS: {expected}") == 1, $"the reason is not logged exactly once: {ServiceProcess.Tail(output)}");
        Assert.DoesNotContain("Connecting to the broker failed (attempt", output, StringComparison.Ordinal);
        Assert.False(StackFrame().IsMatch(output), $"a stack trace was logged: {ServiceProcess.Tail(output)}");
    }

    [Fact(Timeout = 180_000)]
    public async Task A_broker_that_requires_client_certificates_takes_the_services_and_it_stores_what_a_node_with_its_own_publishes()
    {
        var ct = TestContext.Current.CancellationToken;
        using var certificates = await TestCertificates.CreateAsync(ct);
        var (serviceCertificate, serviceKey) = await certificates.ClientAsync("ecomonitor", ct);
        var (nodeCertificate, nodeKey) = await certificates.ClientAsync("node-1", ct);
        await using var broker = await certificates.StartBrokerAsync(ct, requireClientCertificate: true);
        var site = NewSite();

        // No password: the broker takes the certificate's common name as the user name (use_identity_as_username).
        await using var service = await ServiceProcess.StartAsync(
            broker,
            servers.VictoriaMetrics,
            site,
            ct,
            extraArgs: [.. Tls(certificates.CaFile), $"--Mqtt:ClientCertificateFile={serviceCertificate}", $"--Mqtt:ClientKeyFile={serviceKey}"]);

        await AssertStoresWhatANodePublishesAsync(service, broker, site, ct, "--cafile", certificates.CaFile, "--cert", nodeCertificate, "--key", nodeKey);
    }

    private static string[] ServicePassword => ["--Mqtt:Username=ecomonitor", $"--Mqtt:Password={ShippedBrokerConfigTests.PasswordOf("ecomonitor")}"];

    private static string NewSite() => $"tls-{Guid.NewGuid():N}"[..16];

    private static string[] Tls(string caFile) => ["--Mqtt:UseTls=true", $"--Mqtt:CaFile={caFile}"];

    /// <summary>node-1 publishes <see cref="Readings"/> readings with mosquitto_pub (<paramref name="publisherOptions"/>); all are stored and the service is ready.</summary>
    private async Task AssertStoresWhatANodePublishesAsync(ServiceProcess service, MosquittoServer broker, string site, CancellationToken ct, params string[] publisherOptions)
    {
        var store = await TestStore.ForAsync(TestStore.VictoriaMetrics, servers, site, ct);
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
        var expected = Enumerable.Range(0, Readings).Select(i => ("air_pm25", "node-1", start.AddSeconds(i).ToUnixTimeMilliseconds(), 10 + (i * 0.5))).ToHashSet();
        await TestPublisher.MosquittoPubLinesAsync(
            broker,
            $"eco/{site}/air/node-1",
            Enumerable.Range(0, Readings).Select(i => EndToEndIngestTests.Payload(start.AddSeconds(i), i, ("pm25", 10 + (i * 0.5)))),
            ct,
            publisherOptions);

        var stored = await store.ReadAtLeastAsync(Readings, ct);
        Assert.Equal(expected, stored.Select(r => (r.Series, r.Device, r.Timestamp, Math.Round(r.Value, 6))).ToHashSet());
        var readiness = await Readiness.ReadAsync(service.BaseAddress, ct);
        Assert.True(readiness.Status == 200, readiness.Body);
        Assert.Null(readiness.Blocking(MqttIngestConsumer.TlsCondition));
    }

    private static int CountOf(string text, string value) => (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;

    [GeneratedRegex("failed in the TLS handshake again")]
    private static partial Regex RetryLines();

    [GeneratedRegex(@"^\s+at \S+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();
}
