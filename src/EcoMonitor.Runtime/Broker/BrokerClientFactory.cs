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
    private readonly MqttClientFactory _factory = new(new MqttNetLogBridge(loggers.CreateLogger("MQTTnet")));

    public IMqttClient CreateClient() => _factory.CreateMqttClient();

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
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (!string.IsNullOrEmpty(caFile))
                {
                    var trust = new X509Certificate2Collection();
                    trust.ImportFromPemFile(caFile);
                    tls.WithTrustChain(trust);
                }
            });
        }

        return builder;
    }
}
