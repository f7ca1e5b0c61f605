using System.ComponentModel.DataAnnotations;
using EcoMonitor.Core.Decoding;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Mqtt;

/// <summary>The broker connection and subscriptions (section <c>Mqtt</c>, DESIGN §6).</summary>
public sealed class MqttOptions
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

    /// <summary>Stable across restarts so the broker keeps our persistent session.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ClientId { get; set; } = $"ecomonitor-{Environment.MachineName}";

    /// <summary>Shared-subscription group; empty subscribes directly.</summary>
    public string? SharedGroup { get; set; }

    /// <summary>Topic filters and the payload format of each.</summary>
    [ValidateEnumeratedItems]
    public List<MqttSubscription> Subscriptions { get; set; } = [];

    /// <summary>How long the broker keeps our session and unacknowledged messages while we are away.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "49710.00:00:00")]
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Unacknowledged messages the broker may send at once: bounds memory under any load.</summary>
    [Range(1, 65535)]
    public int ReceiveMaximum { get; set; } = 2000;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest pause between reconnect attempts (backoff grows up to it).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the connection is checked with a ping.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    public IReadOnlyList<MqttSubscription> EffectiveSubscriptions() =>
        Subscriptions.Count > 0 ? Subscriptions : [new MqttSubscription()];
}

public sealed class MqttSubscription
{
    [Required(AllowEmptyStrings = false)]
    public string Topic { get; set; } = NativeTopic.DefaultFilter;

    [Required(AllowEmptyStrings = false)]
    public string Format { get; set; } = NativeJsonDecoder.FormatName;
}

[OptionsValidator]
public sealed partial class MqttOptionsValidator : IValidateOptions<MqttOptions>;
