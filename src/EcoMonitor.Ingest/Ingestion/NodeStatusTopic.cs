using System.Text;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Ingest.Ingestion;

/// <summary>
/// The node status topic <c>eco/{site}/{kind}/{device}/status</c> and its payload
/// (docs/mqtt.md#node-status): <c>online</c> or <c>offline</c>; an empty payload clears the
/// retained status (a node taken out of service).
/// </summary>
public static class NodeStatusTopic
{
    public const string Online = "online";
    public const string Offline = "offline";

    /// <summary>The filter subscribed by default (<c>Mqtt:StatusFilter</c>).</summary>
    public const string DefaultFilter = "eco/+/+/+/status";

    /// <summary>Longer payloads are refused unread: the two words are 7 bytes.</summary>
    public const int MaxPayloadBytes = 64;

    /// <summary>Whether <paramref name="topic"/> has the status topic's shape (five levels, <c>eco/…/status</c>), valid or not.</summary>
    public static bool IsStatusTopic(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return topic.StartsWith("eco/", StringComparison.Ordinal)
            && topic.EndsWith("/status", StringComparison.Ordinal)
            && topic.Count(c => c == '/') == 4;
    }

    /// <summary>
    /// Reads one status message. Returns false with the refusal when the topic's site, kind or
    /// device is not valid (<c>bad-topic</c>) or the payload is neither word (<c>invalid-status</c>).
    /// Surrounding white space and letter case are forgiven (<c>"Offline\n"</c>).
    /// </summary>
    public static bool TryParse(string topic, ReadOnlySpan<byte> payload, out SensorAddress address, out string? announced, out Rejection rejection)
    {
        address = null!;
        announced = null;
        rejection = null!;
        var levels = topic.Split('/');
        if (levels.Length != 5 || levels[0] != "eco" || levels[4] != "status")
        {
            rejection = new Rejection(RejectionCodes.BadTopic, "a status topic is eco/{site}/{kind}/{device}/status");
            return false;
        }

        if (!SensorKinds.TryParse(levels[2], out var kind))
        {
            rejection = new Rejection(RejectionCodes.BadTopic, $"kind '{Shorten(levels[2])}' is not one of air, water, soil");
            return false;
        }

        if (!SensorIdentifiers.IsValid(levels[1]) || !SensorIdentifiers.IsValid(levels[3]))
        {
            rejection = new Rejection(RejectionCodes.BadTopic, "site and device must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
            return false;
        }

        address = new SensorAddress(kind, levels[1], levels[3]);
        if (payload.Length > MaxPayloadBytes)
        {
            rejection = new Rejection(RejectionCodes.InvalidStatus, $"a status payload is 'online' or 'offline', not {payload.Length} bytes");
            return false;
        }

        var text = Encoding.UTF8.GetString(payload).Trim();
        if (text.Length == 0)
        {
            return true;
        }

        if (text.Equals(Online, StringComparison.OrdinalIgnoreCase) || text.Equals(Offline, StringComparison.OrdinalIgnoreCase))
        {
            announced = text.ToLowerInvariant();
            return true;
        }

        rejection = new Rejection(RejectionCodes.InvalidStatus, $"a status payload is 'online' or 'offline', not '{Shorten(text)}'");
        return false;
    }

    private static string Shorten(string text) => text.Length <= 32 ? text : text[..32] + "…";
}
