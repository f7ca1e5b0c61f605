using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;

namespace EcoMonitor.Runtime.Broker;

/// <summary>
/// The one place MQTT clients and their connection options are made: the ingest consumer and
/// the MQTT notification channel connect alike (server, protocol, credentials, TLS, keep-alive),
/// and MQTTnet's own log goes to <see cref="ILogger"/> under the category <c>MQTTnet</c>.
/// </summary>
public sealed class BrokerClientFactory(ILoggerFactory loggers)
{
    // Every client reads its socket through a buffer (BufferedChannel).
    private readonly MqttClientFactory _factory = new(new MqttNetLogBridge(loggers.CreateLogger("MQTTnet")), new BufferedClientAdapterFactory());

    /// <summary>
    /// The socket buffers of a client that receives a lot (docs/performance.md#known-limits-and-what-was-fixed).
    /// MQTTnet sizes them at 8 KiB before it connects, which also turns TCP window scaling off:
    /// a receiver that falls behind on messages of a few KiB then takes a few of them per delayed
    /// ACK (200 ms) and crawls, with its CPU idle, however fast it could handle them.
    /// </summary>
    public const int ReceiverSocketBufferBytes = 1 << 20;

    public IMqttClient CreateClient() => _factory.CreateMqttClient();

    /// <summary>Widens <paramref name="options"/>' socket buffers to <see cref="ReceiverSocketBufferBytes"/>.</summary>
    public static MqttClientOptions WithReceiverBuffers(MqttClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChannelOptions is MqttClientTcpOptions tcp)
        {
            tcp.BufferSize = ReceiverSocketBufferBytes;
        }

        return options;
    }

    /// <summary>
    /// A builder preset from <paramref name="options"/> with MQTT 5 and <paramref name="clientId"/>;
    /// the caller adds what is its own (session, flow control).
    /// </summary>
    public static MqttClientOptionsBuilder OptionsFor(MqttConnectionOptions options, string clientId)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithKeepAlivePeriod(options.KeepAlive)
            .WithTimeout(options.ConnectTimeout);
        if (!string.IsNullOrEmpty(options.Username))
        {
            builder.WithCredentials(options.Username, options.Password);
        }

        if (options.UseTls)
        {
            var caFile = options.CaFile;
            var certificateFile = options.ClientCertificateFile;
            var keyFile = options.ClientKeyFile;
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (!string.IsNullOrEmpty(caFile))
                {
                    var trust = new X509Certificate2Collection();
                    trust.ImportFromPemFile(caFile);
                    tls.WithTrustChain(trust);
                }

                if (!string.IsNullOrEmpty(certificateFile) && !string.IsNullOrEmpty(keyFile))
                {
                    tls.WithClientCertificatesProvider(new PemClientCertificate(certificateFile, keyFile));
                }
            });
        }

        return builder;
    }

    /// <summary>
    /// The client certificate and its key from PEM files, as SslStream can present it: on Linux
    /// a certificate made from PEM carries an ephemeral key that the TLS handshake cannot use, so
    /// it is re-imported as PKCS#12 (docs/decisions.md, "Broker TLS").
    /// </summary>
    public static X509Certificate2 LoadClientCertificate(string certificateFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Read at each connect, so that a renewed certificate is presented from the next reconnect on.</summary>
    private sealed class PemClientCertificate(string certificateFile, string keyFile) : IMqttClientCertificatesProvider
    {
        public X509CertificateCollection GetCertificates() => [LoadClientCertificate(certificateFile, keyFile)];
    }
}
