using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EcoMonitor.Ingest.Mqtt;
using EcoMonitor.Runtime.Broker;

namespace EcoMonitor.Service.Tests.Mqtt;

/// <summary>
/// The TLS settings are refused at start with a reason each: files that are missing or do not load, a
/// certificate without its key (or the reverse), and TLS files without <c>Mqtt:UseTls</c> (docs/mqtt.md#tls).
/// </summary>
public sealed class BrokerTlsOptionsTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ecomonitor-tls-options-");
    private readonly string _ca;
    private readonly string _certificate;
    private readonly string _key;
    private readonly string _otherKey;
    private readonly string _notPem;

    public BrokerTlsOptionsTests()
    {
        using var caKey = RSA.Create(2048);
        using var ca = new CertificateRequest("CN=test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var clientKey = RSA.Create(2048);
        using var other = RSA.Create(2048);
        using var client = new CertificateRequest("CN=ecomonitor", clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        _ca = Write("ca.crt", ca.ExportCertificatePem());
        _certificate = Write("client.crt", client.ExportCertificatePem());
        _key = Write("client.key", clientKey.ExportPkcs8PrivateKeyPem());
        _otherKey = Write("other.key", other.ExportPkcs8PrivateKeyPem());
        _notPem = Write("not-pem.txt", "not a certificate\n");
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "CaFile-without-tls", "Mqtt:CaFile is set but Mqtt:UseTls is false" },
        { "certificate-without-tls", "need Mqtt:UseTls=true" },
        { "certificate-without-key", "Mqtt:ClientCertificateFile is set without Mqtt:ClientKeyFile" },
        { "key-without-certificate", "Mqtt:ClientKeyFile is set without Mqtt:ClientCertificateFile" },
        { "missing-ca", "Mqtt:CaFile '{missing}' does not exist" },
        { "ca-not-pem", "holds no PEM certificate" },
        { "missing-certificate", "Mqtt:ClientCertificateFile '{missing}' does not exist" },
        { "missing-key", "Mqtt:ClientKeyFile '{missing}' does not exist" },
        { "key-of-another-certificate", "do not load as a PEM certificate and its unencrypted private key" },
        { "certificate-not-pem", "do not load as a PEM certificate and its unencrypted private key" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_tls_setting_that_cannot_work_is_refused_with_its_reason(string @case, string reason)
    {
        var missing = Path.Combine(_directory.FullName, "missing.pem");
        var options = new MqttOptions { UseTls = true, CaFile = _ca, ClientCertificateFile = _certificate, ClientKeyFile = _key };
        switch (@case)
        {
            case "CaFile-without-tls":
                options.UseTls = false;
                options.ClientCertificateFile = options.ClientKeyFile = null;
                break;
            case "certificate-without-tls":
                options.UseTls = false;
                options.CaFile = null;
                break;
            case "certificate-without-key":
                options.ClientKeyFile = null;
                break;
            case "key-without-certificate":
                options.ClientCertificateFile = null;
                break;
            case "missing-ca":
                options.CaFile = missing;
                break;
            case "ca-not-pem":
                options.CaFile = _notPem;
                break;
            case "missing-certificate":
                options.ClientCertificateFile = missing;
                break;
            case "missing-key":
                options.ClientKeyFile = missing;
                break;
            case "key-of-another-certificate":
                options.ClientKeyFile = _otherKey;
                break;
            case "certificate-not-pem":
                options.ClientCertificateFile = _notPem;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(@case), @case, "no such case");
        }

        var result = new BrokerTlsOptionsValidator<MqttOptions>().Validate(null, options);

        Assert.True(result.Failed, $"{@case} was accepted");
        Assert.Contains(reason.Replace("{missing}", missing, StringComparison.Ordinal), result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_with_a_ca_file_and_a_client_certificate_with_its_key_is_valid_and_the_pair_carries_its_private_key()
    {
        var options = new MqttOptions { UseTls = true, CaFile = _ca, ClientCertificateFile = _certificate, ClientKeyFile = _key };
        Assert.True(new BrokerTlsOptionsValidator<MqttOptions>().Validate(null, options).Succeeded);

        using var loaded = BrokerClientFactory.LoadClientCertificate(_certificate, _key);
        Assert.True(loaded.HasPrivateKey);
        Assert.Equal("CN=ecomonitor", loaded.Subject);
    }

    [Fact]
    public void The_defaults_and_tls_alone_are_valid()
    {
        Assert.True(new BrokerTlsOptionsValidator<MqttConnectionOptions>().Validate(null, new MqttConnectionOptions()).Succeeded);
        Assert.True(new BrokerTlsOptionsValidator<MqttConnectionOptions>().Validate(null, new MqttConnectionOptions { UseTls = true }).Succeeded);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }
}
