using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;

namespace EcoMonitor.FirmwareSim.Tests;

/// <summary>The service as the simulator's README tells an operator to configure it for each format.</summary>
internal static class ServiceSide
{
    public static MessageIngestor Ingestor { get; } = new(
        PayloadFormats.Default,
        new ReadingValidator(MetricCatalog.Default, new ValidationOptions()),
        new DecoderLimits());

    /// <summary>
    /// The profiles the service builds from the <c>Mqtt:Subscriptions</c> of README "Formats", in that order (the
    /// service takes the first whose topic pattern matches).
    /// </summary>
    public static IReadOnlyList<SubscriptionProfile> Subscriptions(PayloadFormat format, IEnumerable<NodeIdentity> nodes) => format switch
    {
        PayloadFormat.Native => [SubscriptionProfile.Native],
        PayloadFormat.Senml => [new SubscriptionProfile { Format = SenmlDecoder.FormatName, Topic = TopicPattern.Parse("senml/{site}/{kind}/{device}") }],

        // One subscription per TTS application, i.e. per site and kind: the topic names neither.
        PayloadFormat.Tts =>
        [
            .. nodes.Select(node => (node.Site, node.Kind)).Distinct().Select(pair => new SubscriptionProfile
            {
                Format = TheThingsStackDecoder.FormatName,
                Topic = TopicPattern.Parse($"v3/eco-{pair.Site}-{pair.Kind}@ttn/devices/{{device}}/up"),
                Site = pair.Site,
                Kind = Kind(pair.Kind),
            }),
        ],

        // Air nodes on the relay's topic; water and soil nodes stay native.
        PayloadFormat.SensorCommunity =>
        [
            new SubscriptionProfile { Format = SensorCommunityDecoder.FormatName, Topic = TopicPattern.Parse("airrohr/{site}/{device}"), Kind = SensorKind.Air },
            SubscriptionProfile.Native,
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    public static IngestResult Ingest(IReadOnlyList<SubscriptionProfile> subscriptions, SimulatedMessage message, DateTimeOffset receivedAt)
    {
        var profile = subscriptions.FirstOrDefault(s => s.Topic.TryMatch(message.Topic, out _))
            ?? throw new InvalidOperationException($"no subscription matches topic {message.Topic}");
        return Ingestor.Ingest(new IncomingMessage(message.Topic, message.Payload, receivedAt), profile);
    }

    /// <summary>The reason code the service must give for an injected fault in a message of <paramref name="format"/>.</summary>
    public static string ExpectedCode(FaultKind fault, PayloadFormat format) => fault switch
    {
        FaultKind.MalformedJson => RejectionCodes.MalformedJson,
        FaultKind.OutOfRange => RejectionCodes.OutOfRange,
        FaultKind.UnknownMetric => RejectionCodes.UnknownMetric,
        FaultKind.StringValue => RejectionCodes.ValueNotNumber,

        // SenML states the unit, which cannot be converted; elsewhere the number in another unit is out of range.
        FaultKind.WrongUnit => format == PayloadFormat.Senml ? RejectionCodes.UnknownUnit : RejectionCodes.OutOfRange,
        FaultKind.ClockAhead => RejectionCodes.TimestampInFuture,
        FaultKind.ClockBehind => RejectionCodes.TimestampTooOld,
        FaultKind.Impersonation => RejectionCodes.IdentityMismatch,
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, "not a refused fault"),
    };

    /// <summary>The device the service stores for a node: its own name, or the airRohr chip name.</summary>
    public static string StoredDevice(NodeIdentity node, PayloadFormat format) =>
        format == PayloadFormat.SensorCommunity ? SensorCommunityFormat.DeviceName(node) : node.Device;

    public static SensorKind Kind(string kind) =>
        SensorKinds.TryParse(kind, out var parsed) ? parsed : throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
}
