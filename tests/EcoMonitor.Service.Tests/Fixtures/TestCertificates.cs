using System.Globalization;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// A test CA, a broker certificate it signed (SAN <c>127.0.0.1</c>, <c>localhost</c>), a second CA
/// that signed nothing the broker uses, and client certificates on demand, made with openssl in a
/// temporary folder mosquitto can read (docs/mqtt.md#tls).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TestCertificates : IDisposable
{
    private readonly DirectoryInfo _directory;

    private TestCertificates(DirectoryInfo directory) => _directory = directory;

    public string CaFile => PathOf("ca.crt");

    /// <summary>A CA the broker's certificate is not signed by.</summary>
    public string OtherCaFile => PathOf("other-ca.crt");

    public string ServerCertificateFile => PathOf("server.crt");

    public string ServerKeyFile => PathOf("server.key");

    public static async Task<TestCertificates> CreateAsync(CancellationToken cancellationToken)
    {
        var certificates = new TestCertificates(Directory.CreateTempSubdirectory("ecomonitor-tls-"));
        try
        {
            File.SetUnixFileMode(certificates._directory.FullName, (UnixFileMode)0b111_101_101);
            await certificates.OpenSslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=EcoMonitor test CA");
            await certificates.OpenSslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "1", "-subj", "/CN=Another CA");
            await certificates.SignAsync("server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n", cancellationToken);
            return certificates;
        }
        catch
        {
            certificates.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A client certificate with common name <paramref name="commonName"/> signed by the test CA:
    /// its PEM certificate and unencrypted key files.
    /// </summary>
    public async Task<(string Certificate, string Key)> ClientAsync(string commonName, CancellationToken cancellationToken)
    {
        var name = $"client-{commonName}";
        await SignAsync(name, commonName, "extendedKeyUsage=clientAuth\n", cancellationToken);
        return (PathOf($"{name}.crt"), PathOf($"{name}.key"));
    }

    /// <summary>
    /// mosquitto with the shipped configuration and a TLS listener (loopback) with these
    /// certificates in place of the plain one; with <paramref name="requireClientCertificate"/>, a
    /// client without a certificate the CA signed is refused and its common name is its user name
    /// (the shipped ACL applies to it).
    /// </summary>
    public Task<MosquittoServer> StartBrokerAsync(CancellationToken cancellationToken, bool requireClientCertificate = false) =>
        Mqtt.ShippedBrokerConfigTests.StartShippedAsync(cancellationToken, b => Listener(b.Port, requireClientCertificate));

    private string Listener(int port, bool requireClientCertificate) =>
        string.Create(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1\ncafile {CaFile}\ncertfile {ServerCertificateFile}\nkeyfile {ServerKeyFile}")
        + (requireClientCertificate ? "\nrequire_certificate true\nuse_identity_as_username true" : string.Empty);

    public void Dispose() => _directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    private async Task SignAsync(string name, string commonName, string extensions, CancellationToken cancellationToken)
    {
        await OpenSslAsync("req", "-newkey", "rsa:2048", "-nodes", "-keyout", $"{name}.key", "-out", $"{name}.csr", "-subj", $"/CN={commonName}");
        await File.WriteAllTextAsync(PathOf($"{name}.ext"), extensions, cancellationToken);
        await OpenSslAsync("x509", "-req", "-in", $"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", $"{name}.crt", "-days", "1", "-extfile", $"{name}.ext");
        foreach (var file in Directory.GetFiles(_directory.FullName))
        {
            // mosquitto drops to its own user before it reads them.
            File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
        }
    }

    private async Task OpenSslAsync(params string[] arguments)
    {
        await using var openssl = ServerProcess.Start(ServerBinaries.Find("openssl"), arguments, _directory.FullName);
        Assert.True(await openssl.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"openssl {string.Join(' ', arguments)} did not finish");
        Assert.True(openssl.ExitCode == 0, $"openssl {string.Join(' ', arguments)} exited {openssl.ExitCode}: {openssl.Output}");
    }
}
