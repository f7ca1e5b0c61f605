using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Decoding;

/// <summary>
/// How the messages of one subscription become readings: their format, where site, kind and
/// device come from (named topic levels, fixed values, or the payload), how payload field names
/// map to catalog metrics, and the time zone of local timestamps.
/// </summary>
public sealed class SubscriptionProfile
{
    public static readonly TopicPattern NativePattern = TopicPattern.Parse("eco/{site}/{kind}/{device}");

    /// <summary>The contract's own topics and format: what the service does without configuration.</summary>
    public static SubscriptionProfile Native { get; } = new() { Format = NativeJsonDecoder.FormatName, Topic = NativePattern };

    public string Format { get; init; } = PayloadFormats.Auto;

    public TopicPattern Topic { get; init; } = NativePattern;

    /// <summary>The site when the topic has no <c>{site}</c> level.</summary>
    public string? Site { get; init; }

    /// <summary>The kind when the topic has no <c>{kind}</c> level.</summary>
    public SensorKind? Kind { get; init; }

    /// <summary>The device when neither the topic nor the payload names it.</summary>
    public string? Device { get; init; }

    /// <summary>Payload field name → catalog metric (e.g. <c>pm2_5</c> → <c>pm25</c>), applied after the format's own names.</summary>
    public IReadOnlyDictionary<string, string> FieldMap { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The zone of timestamps that carry none (Tasmota sends local time).</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    public string MapField(string name) => FieldMap.TryGetValue(name, out var metric) ? metric : name;

    /// <summary>
    /// Where a message comes from. The topic's named levels come first, then the fixed values;
    /// a device (or site) named in the payload must agree with the topic's, so that a node cannot
    /// write another node's series.
    /// </summary>
    public bool TryResolveAddress(string topic, string? payloadDevice, string? payloadSite, out SensorAddress address, out Rejection rejection)
    {
        address = null!;
        if (!Topic.TryMatchAddress(topic, out var topicSite, out var kindName, out var topicDevice))
        {
            rejection = new Rejection(RejectionCodes.BadTopic, $"topic '{Shorten(topic)}' does not match the subscription's pattern {Topic}");
            return false;
        }

        if (payloadDevice is not null && topicDevice is not null && !string.Equals(payloadDevice, topicDevice, StringComparison.Ordinal))
        {
            rejection = new Rejection(RejectionCodes.IdentityMismatch, $"the payload names device '{Shorten(payloadDevice)}' but the topic names '{topicDevice}'");
            return false;
        }

        if (payloadSite is not null && topicSite is not null && !string.Equals(payloadSite, topicSite, StringComparison.Ordinal))
        {
            rejection = new Rejection(RejectionCodes.IdentityMismatch, $"the payload names site '{Shorten(payloadSite)}' but the topic names '{topicSite}'");
            return false;
        }

        var site = topicSite ?? payloadSite ?? Site;
        var device = topicDevice ?? payloadDevice ?? Device;
        SensorKind kind;
        if (kindName is not null)
        {
            if (!SensorKinds.TryParse(kindName, out kind))
            {
                rejection = new Rejection(RejectionCodes.BadTopic, $"kind '{Shorten(kindName)}' is not one of air, water, soil");
                return false;
            }
        }
        else if (Kind is { } fixedKind)
        {
            kind = fixedKind;
        }
        else
        {
            rejection = new Rejection(RejectionCodes.BadTopic, "the subscription gives no kind: add {kind} to its topic or set Kind");
            return false;
        }

        if (!SensorIdentifiers.IsValid(site))
        {
            rejection = new Rejection(RejectionCodes.BadTopic, site is null
                ? "no site: the topic has no {site} level and the subscription sets no Site"
                : $"site '{Shorten(site)}' must match [A-Za-z0-9][A-Za-z0-9_.-]{{0,63}}");
            return false;
        }

        if (!SensorIdentifiers.IsValid(device))
        {
            rejection = new Rejection(RejectionCodes.BadTopic, device is null
                ? "no device: neither the topic nor the payload names one"
                : $"device '{Shorten(device)}' must match [A-Za-z0-9][A-Za-z0-9_.-]{{0,63}}");
            return false;
        }

        address = new SensorAddress(kind, site!, device!);
        rejection = null!;
        return true;
    }

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
