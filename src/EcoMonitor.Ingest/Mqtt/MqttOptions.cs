using System.ComponentModel.DataAnnotations;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Readings;
using EcoMonitor.Runtime.Broker;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Mqtt;

/// <summary>
/// What the ingest consumer adds to the broker connection (section <c>Mqtt</c>): subscriptions,
/// the persistent session, flow control and handling retries.
/// </summary>
public sealed class MqttOptions : MqttConnectionOptions
{
    /// <summary>Shared-subscription group; empty subscribes directly.</summary>
    public string? SharedGroup { get; set; }

    /// <summary>
    /// The operator's word that the broker hands a shared group's messages to members by topic
    /// (EMQX <c>shared_subscription_strategy = hash_topic</c>), so that one device's readings always
    /// reach one instance. Without it the service refuses to start with alert rules and a shared
    /// group (docs/scaling.md#alert-state): round robin splits a device's readings.
    /// </summary>
    public bool SharedGroupSticky { get; set; }

    /// <summary>Topic filters and the payload format of each.</summary>
    [ValidateEnumeratedItems]
    public List<MqttSubscription> Subscriptions { get; set; } = [];

    /// <summary>How long the broker keeps our session and unacknowledged messages while we are away.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "49710.00:00:00")]
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Unacknowledged messages the broker may send at once: bounds memory under any load.</summary>
    [Range(1, 65535)]
    public int ReceiveMaximum { get; set; } = 2000;

    /// <summary>Longest pause between reconnect attempts (backoff grows up to it).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the connection is checked with a ping.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The node status filter (docs/mqtt.md#node-status), subscribed besides
    /// <see cref="Subscriptions"/> and never through <see cref="SharedGroup"/>: every instance needs
    /// every node's Last Will, and a broker sends no retained message to a shared subscription.
    /// Empty: status messages are not subscribed.
    /// </summary>
    public string StatusFilter { get; set; } = Ingestion.NodeStatusTopic.DefaultFilter;

    public IReadOnlyList<MqttSubscription> EffectiveSubscriptions() =>
        Subscriptions.Count > 0 ? Subscriptions : [new MqttSubscription { Format = NativeJsonDecoder.FormatName }];

    // A message whose handling throws (e.g. the dead-letter disk is full) is retried in process
    // with these; then the service reports not ready and reconnects so the broker redelivers it
    // (docs/decisions.md, "Subscriptions and handling failures").

    /// <summary>Retries of a message whose handling throws, before giving up on this delivery.</summary>
    [Range(1, 100)]
    public int HandlingRetries { get; set; } = 5;

    /// <summary>First pause between those retries; it doubles at each, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan HandlingRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest pause between those retries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan HandlingMaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// MQTT 5 Maximum Packet Size asked of the broker: it does not send us a larger packet, so an
    /// oversized publish cannot take our memory. The broker's own limit should be below it, so the
    /// device is told instead (deploy/mosquitto/mosquitto.conf, docs/decisions.md "Oversized payloads").
    /// </summary>
    [Range(16 << 10, 256 << 20)]
    public int MaxPacketBytes { get; set; } = 1 << 20;
}

/// <summary>
/// One subscription: a topic pattern (an MQTT filter whose levels may be named
/// <c>{site}</c>, <c>{kind}</c>, <c>{device}</c>), the payload format, and what the topic
/// does not say.
/// </summary>
public sealed class MqttSubscription
{
    /// <summary>E.g. <c>eco/{site}/{kind}/{device}</c>, <c>v3/+/devices/{device}/up</c>, <c>tele/{device}/SENSOR</c>.
    /// A plain filter <c>eco/+/+/+</c> means the native pattern.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Topic { get; set; } = "eco/{site}/{kind}/{device}";

    /// <summary><c>auto</c>, <c>native</c>, <c>senml</c>, <c>tts</c>, <c>sensor-community</c>, <c>tasmota</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Format { get; set; } = PayloadFormats.Auto;

    public string? Site { get; set; }

    /// <summary><c>air</c>, <c>water</c> or <c>soil</c>, when the topic has no <c>{kind}</c> level.</summary>
    public string? Kind { get; set; }

    public string? Device { get; set; }

    /// <summary>Payload field name → catalog metric, e.g. <c>pm2_5: pm25</c>.</summary>
    public Dictionary<string, string> FieldMap { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>IANA zone of timestamps without one (Tasmota), e.g. <c>Asia/Shanghai</c>.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Builds the decoding profile; throws <see cref="FormatException"/> with the problem.</summary>
    public SubscriptionProfile ToProfile()
    {
        // The contract's filter without names means the contract's topic levels.
        var pattern = Topic == "eco/+/+/+" ? SubscriptionProfile.NativePattern : TopicPattern.Parse(Topic);
        SensorKind? kind = null;
        if (Kind is not null)
        {
            kind = SensorKinds.TryParse(Kind, out var parsed) ? parsed : throw new FormatException($"Kind '{Kind}' is not one of air, water, soil");
        }

        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new FormatException($"TimeZone '{TimeZone}' is not a known time zone", ex);
        }

        return new SubscriptionProfile
        {
            Format = Format,
            Topic = pattern,
            Site = Site,
            Kind = kind,
            Device = Device,
            FieldMap = new Dictionary<string, string>(FieldMap, StringComparer.OrdinalIgnoreCase),
            TimeZone = zone,
        };
    }
}

/// <summary>Checks what attributes cannot: patterns, kinds, zones and formats of the subscriptions.</summary>
internal sealed class MqttSubscriptionsValidator(PayloadFormats formats) : IValidateOptions<MqttOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        for (var i = 0; i < options.Subscriptions.Count; i++)
        {
            var subscription = options.Subscriptions[i];
            try
            {
                var profile = subscription.ToProfile();
                if (!formats.IsKnown(profile.Format))
                {
                    problems.Add($"Mqtt:Subscriptions:{i}:Format '{profile.Format}' is not one of: auto, {string.Join(", ", formats.Names)}");
                }

                if (!profile.Topic.Captures.Contains("kind") && profile.Kind is null)
                {
                    problems.Add($"Mqtt:Subscriptions:{i}: the topic has no {{kind}} level, so Kind must be set");
                }
            }
            catch (FormatException ex)
            {
                problems.Add($"Mqtt:Subscriptions:{i}: {ex.Message}");
            }
        }

        if (!string.IsNullOrEmpty(options.StatusFilter) && !IsStatusFilter(options.StatusFilter))
        {
            problems.Add($"Mqtt:StatusFilter '{options.StatusFilter}' must be a filter of five levels eco/…/status (e.g. eco/+/+/+/status, eco/site-1/+/+/status), or empty");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>A filter that matches only status topics: the topic shape with levels that are names or <c>+</c>.</summary>
    private static bool IsStatusFilter(string filter) =>
        Ingestion.NodeStatusTopic.IsStatusTopic(filter)
        && filter.Split('/').All(level => level.Length > 0 && (level == "+" || !level.Contains('+', StringComparison.Ordinal)) && !level.Contains('#', StringComparison.Ordinal));
}

[OptionsValidator]
internal sealed partial class MqttOptionsValidator : IValidateOptions<MqttOptions>;
