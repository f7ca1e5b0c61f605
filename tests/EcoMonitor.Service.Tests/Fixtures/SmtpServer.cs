using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>How the test SMTP server speaks TLS.</summary>
public enum SmtpServerSecurity
{
    /// <summary>Plain SMTP, no STARTTLS offered.</summary>
    None,

    /// <summary>STARTTLS offered and required before MAIL (aiosmtpd's <c>require_starttls</c>).</summary>
    StartTls,

    /// <summary>TLS from the first byte (SMTPS).</summary>
    Tls,
}

/// <summary>
/// A real SMTP server: aiosmtpd (Debian package <c>python3-aiosmtpd</c>) on a free loopback port,
/// run with its <c>Mailbox</c> handler, which stores every message it accepts, whole, in a Maildir
/// in a temporary folder; the tests parse them with MimeKit. aiosmtpd adds <c>X-MailFrom</c> and
/// <c>X-RcptTo</c> headers with the SMTP envelope. For TLS it gets a self-signed certificate for
/// 127.0.0.1/localhost made here with .NET (no openssl needed), which the tests pin.
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    public const string Package = "python3-aiosmtpd";

    private readonly DirectoryInfo _directory;
    private readonly ServerRun _run = new();

    private SmtpServer(DirectoryInfo directory, int port, SmtpServerSecurity security, int? maxMessageBytes, X509Certificate2? certificate)
    {
        _directory = directory;
        Port = port;
        Security = security;
        MaxMessageBytes = maxMessageBytes;
        Certificate = certificate;
    }

    public int Port { get; }

    public string Host => "127.0.0.1";

    public SmtpServerSecurity Security { get; }

    /// <summary>The size limit it announces (SMTP SIZE) and enforces (552); null: aiosmtpd's default, 32 MiB.</summary>
    public int? MaxMessageBytes { get; }

    /// <summary>The server's self-signed certificate (null for <see cref="SmtpServerSecurity.None"/>).</summary>
    public X509Certificate2? Certificate { get; }

    public string Maildir => Path.Combine(_directory.FullName, "mail");

    public static Task<SmtpServer> StartAsync(SmtpServerSecurity security, CancellationToken cancellationToken) =>
        StartAsync(security, maxMessageBytes: null, cancellationToken);

    public static async Task<SmtpServer> StartAsync(SmtpServerSecurity security, int? maxMessageBytes, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("ecomonitor-smtp-");
        var certificate = security == SmtpServerSecurity.None ? null : WriteCertificate(directory);
        var server = new SmtpServer(directory, FreePort.Next(), security, maxMessageBytes, certificate);
        await server.StartAgainAsync(cancellationToken);
        return server;
    }

    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        var arguments = new List<string>
        {
            "-m", "aiosmtpd",
            "-n",
            "-l", string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}"),
        };
        if (MaxMessageBytes is { } size)
        {
            arguments.AddRange(["-s", size.ToString(CultureInfo.InvariantCulture)]);
        }

        var cert = Path.Combine(_directory.FullName, "cert.pem");
        var key = Path.Combine(_directory.FullName, "key.pem");
        if (Security == SmtpServerSecurity.StartTls)
        {
            arguments.AddRange(["--tlscert", cert, "--tlskey", key]);
        }
        else if (Security == SmtpServerSecurity.Tls)
        {
            arguments.AddRange(["--smtpscert", cert, "--smtpskey", key]);
        }

        arguments.AddRange(["-c", "aiosmtpd.handlers.Mailbox", Maildir]);
        var process = _run.Start(Python(), arguments);
        await Eventually.WaitAsync(
            async () => process.HasExited
                ? throw new InvalidOperationException($"aiosmtpd exited at start (is {Package} installed?): {process.Output}")
                : await FreePort.AcceptsAsync(Port, cancellationToken),
            TimeSpan.FromSeconds(20),
            "aiosmtpd to accept connections",
            cancellationToken);
    }

    /// <summary>Every message stored so far, oldest first.</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        if (!Directory.Exists(Maildir))
        {
            return [];
        }

        return [.. new[] { "new", "cur" }
            .Select(folder => Path.Combine(Maildir, folder))
            .Where(Directory.Exists)
            .SelectMany(Directory.EnumerateFiles)
            .Select(file => new FileInfo(file))
            .OrderBy(file => file.LastWriteTimeUtc)
            .ThenBy(file => file.Name, StringComparer.Ordinal)
            .Select(file => MimeMessage.Load(file.FullName))];
    }

    /// <summary>Waits until at least <paramref name="count"/> messages are stored; returns them all.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesAsync(int count, CancellationToken cancellationToken)
    {
        await Eventually.WaitAsync(() => Messages().Count >= count, TimeSpan.FromSeconds(15), $"{count} message(s) in {Maildir}", cancellationToken);
        return Messages();
    }

    public Task StopAsync() => _run.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Certificate?.Dispose();
        _directory.Delete(recursive: true);
    }

    /// <summary>The Debian interpreter, which has the Debian package's modules (a python3 earlier on PATH may not).</summary>
    private static string Python() => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : ServerBinaries.Find("python3");

    private static X509Certificate2 WriteCertificate(DirectoryInfo directory)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));
        File.WriteAllText(Path.Combine(directory.FullName, "cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory.FullName, "key.pem"), rsa.ExportPkcs8PrivateKeyPem());
        return certificate;
    }
}
