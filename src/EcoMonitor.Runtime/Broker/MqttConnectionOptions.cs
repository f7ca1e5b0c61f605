using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Runtime.Broker;

/// <summary>
/// How to reach the broker (section <c>Mqtt</c>): shared by the ingest consumer and the MQTT
/// notification channel, which bind the same section (docs/configuration.md).
/// </summary>
public class MqttConnectionOptions
{
    public const string Section = "Mqtt";

    [Required(AllowEmptyStrings = false)]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public bool UseTls { get; set; }

    /// <summary>A PEM file of the CA that signed the broker's certificate, when not a public one.</summary>
    public string? CaFile { get; set; }

    /// <summary>
    /// A PEM certificate the service presents to a broker that requires one, with
    /// <see cref="ClientKeyFile"/> (docs/mqtt.md#tls). Both or neither; read again at each connect.
    /// </summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>The unencrypted PEM private key of <see cref="ClientCertificateFile"/>.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>Stable across restarts so the broker keeps our persistent session.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ClientId { get; set; } = $"ecomonitor-{Environment.MachineName}";

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

[OptionsValidator]
internal sealed partial class MqttConnectionOptionsValidator : IValidateOptions<MqttConnectionOptions>;
