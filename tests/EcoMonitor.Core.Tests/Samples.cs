using System.Text;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Validation;

namespace EcoMonitor.Core.Tests;

/// <summary>Fixed instants and message builders shared by the tests; nothing reads the wall clock.</summary>
internal static class Samples
{
    public const string Topic = "eco/s1/air/n1";

    /// <summary>2025-11-28T08:00:00Z, the device time of the sample records.</summary>
    public const long DeviceTimeMs = 1_764_316_800_000;

    public static readonly DateTimeOffset DeviceTime = new(2025, 11, 28, 8, 0, 0, TimeSpan.Zero);

    /// <summary>Five minutes after <see cref="DeviceTime"/>.</summary>
    public static readonly DateTimeOffset ReceivedAt = new(2025, 11, 28, 8, 5, 0, TimeSpan.Zero);

    public static IncomingMessage Message(string json, string topic = Topic, DateTimeOffset? receivedAt = null) =>
        new(topic, Encoding.UTF8.GetBytes(json), receivedAt ?? ReceivedAt);

    public static IncomingMessage Message(byte[] payload, string topic = Topic) => new(topic, payload, ReceivedAt);

    /// <summary>
    /// An ingestor over the native decoder and then <paramref name="decoder"/> (auto tries them in
    /// that order), validating against the default catalog with default limits.
    /// </summary>
    public static MessageIngestor Ingestor(IPayloadDecoder decoder, ValidationOptions? options = null) =>
        new(new PayloadFormats([new NativeJsonDecoder(), decoder]), new ReadingValidator(MetricCatalog.Default, options ?? new ValidationOptions()), new DecoderLimits());

    /// <summary>The native topic contract with the given format.</summary>
    public static SubscriptionProfile Profile(string format) => new() { Format = format, Topic = SubscriptionProfile.NativePattern };
}
