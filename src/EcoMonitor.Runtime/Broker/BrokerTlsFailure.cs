using System.Net.Sockets;
using System.Security.Authentication;

namespace EcoMonitor.Runtime.Broker;

/// <summary>
/// A connect that failed in the TLS handshake, in an operator's words: which setting to look at
/// (<c>Mqtt:CaFile</c>, <c>Mqtt:ClientCertificateFile</c>) rather than MQTTnet's and SslStream's
/// nested exceptions (docs/mqtt.md#tls).
/// </summary>
public static class BrokerTlsFailure
{
    /// <summary>The reason, or null when <paramref name="exception"/> is not a TLS failure.</summary>
    public static string? Describe(Exception exception, MqttConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.UseTls)
        {
            return null;
        }

        var chain = Chain(exception).ToList();
        var detail = string.Join(" ", chain.Select(e => e.Message).Distinct(StringComparer.Ordinal));
        var hasClientCertificate = !string.IsNullOrEmpty(options.ClientCertificateFile);

        // A broker that requires a client certificate refuses after our part of the handshake: with
        // TLS 1.3 the client sees its alert, or only the connection closed right after the handshake.
        if (detail.Contains("certificate required", StringComparison.OrdinalIgnoreCase) || chain.Exists(ClosedAfterHandshake))
        {
            return hasClientCertificate
                ? $"TLS: the broker {options.Host}:{options.Port} closed the connection after the handshake: it likely refused the client certificate Mqtt:ClientCertificateFile '{options.ClientCertificateFile}' (is it signed by a CA the broker trusts?) ({detail})"
                : $"TLS: the broker {options.Host}:{options.Port} closed the connection after the handshake: it likely requires a client certificate; set Mqtt:ClientCertificateFile and Mqtt:ClientKeyFile ({detail})";
        }

        if (!chain.Exists(e => e is AuthenticationException))
        {
            return null;
        }

        var trustedBy = string.IsNullOrEmpty(options.CaFile)
            ? "the system's trusted CAs (set Mqtt:CaFile to the CA that signed it)"
            : $"Mqtt:CaFile '{options.CaFile}'";
        return $"TLS: the broker's certificate is not trusted by {trustedBy}: it is signed by another CA, or not issued for {options.Host} ({detail})";
    }

    // Not a refused or timed-out connect (the broker is down or unreachable): the TCP connection
    // was up and closed by the broker.
    private static bool ClosedAfterHandshake(Exception exception) =>
        exception is SocketException { SocketErrorCode: SocketError.NotConnected or SocketError.ConnectionReset }
        || (exception is IOException && exception.Message.Contains("EOF", StringComparison.Ordinal));

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
