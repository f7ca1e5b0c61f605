using System.Buffers;
using BenchmarkDotNet.Attributes;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Ingest.Mqtt;
using MQTTnet;
using MQTTnet.Protocol;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// What <c>MqttIngestConsumer</c> does with a received message before it hands it to
/// <c>MessageHandler</c>: take the payload (MQTTnet's <see cref="ReadOnlySequence{T}"/>, one
/// segment of the array MQTTnet made for the message: kept, not copied) into an
/// <see cref="IncomingMessage"/> with the receive time, find the message's subscription profile,
/// tell a node status topic from a data topic, start the handling's progress record. One
/// operation is one message. Baseline: the <see cref="IncomingMessage"/> alone.
/// </summary>
/// <remarks>
/// The consumer's profile lookup (<c>ProfileFor</c>) is private: <see cref="ProfileFor"/> below is
/// the same loop over the same profiles (built from <see cref="MqttOptions"/> as the consumer builds
/// them), so a change to the consumer's lookup must be copied here. Not measured: the published-topic
/// check (no MQTT notification channel in the default configuration, so an empty-array test), and
/// the closures and the Polly pipeline around the handler's call, which only the running consumer has.
/// </remarks>
[MemoryDiagnoser]
public class ReceiveBenchmarks
{
    private readonly TimeProvider _time = TimeProvider.System;
    private MqttApplicationMessage _message = null!;
    private SubscriptionProfile[] _defaultProfiles = [];
    private SubscriptionProfile[] _fiveProfiles = [];

    [Params(1, 50)]
    public int Readings { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var sample = Payloads.Native(Payloads.AirNode(new Fleet()), Readings);

        // The payload's bytes as one segment, as MQTTnet hands them over.
        _message = new MqttApplicationMessage
        {
            Topic = sample.Topic,
            Payload = new ReadOnlySequence<byte>(sample.Payload),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
        };
        _defaultProfiles = Profiles(new MqttOptions());

        // An operator who takes every format, the native subscription last: the lookup's longest walk.
        _fiveProfiles = Profiles(new MqttOptions
        {
            Subscriptions =
            [
                new() { Topic = "v3/+/devices/{device}/up", Format = "tts", Site = "bj-01", Kind = "air" },
                new() { Topic = "senml/{site}/{kind}/{device}", Format = "senml" },
                new() { Topic = "airrohr/{site}/{device}", Format = "sensor-community", Kind = "air" },
                new() { Topic = "tele/{device}/SENSOR", Format = "tasmota", Site = "bj-01", Kind = "air" },
                new() { Topic = "eco/{site}/{kind}/{device}", Format = "native" },
            ],
        });
        if (ProfileFor(_defaultProfiles, sample.Topic).Format != NativeJsonDecoder.FormatName
            || !ReferenceEquals(ProfileFor(_fiveProfiles, sample.Topic), _fiveProfiles[^1]))
        {
            throw new InvalidOperationException("the native message should find the native subscription");
        }
    }

    [Benchmark(Baseline = true, Description = "IncomingMessage")]
    public IncomingMessage Copy() => Incoming(_message);

    [Benchmark(Description = "IncomingMessage + profile lookup (default subscription) + status check")]
    public int DefaultSubscription() => HandOver(_defaultProfiles);

    [Benchmark(Description = "IncomingMessage + profile lookup (5 subscriptions, native last) + status check")]
    public int FiveSubscriptions() => HandOver(_fiveProfiles);

    private static SubscriptionProfile[] Profiles(MqttOptions options) => [.. options.EffectiveSubscriptions().Select(s => s.ToProfile())];

    /// <summary>The consumer's <c>ProfileFor</c>: the first subscription whose pattern matches, else the native profile.</summary>
    private static SubscriptionProfile ProfileFor(SubscriptionProfile[] profiles, string topic)
    {
        foreach (var profile in profiles)
        {
            if (profile.Topic.IsMatch(topic))
            {
                return profile;
            }
        }

        return SubscriptionProfile.Native;
    }

    /// <summary>The consumer's: the payload's one segment kept, a payload in several copied.</summary>
    private IncomingMessage Incoming(MqttApplicationMessage message)
    {
        var payload = message.Payload;
        return new IncomingMessage(message.Topic, payload.IsSingleSegment ? payload.First : payload.ToArray(), _time.GetUtcNow());
    }

    private int HandOver(SubscriptionProfile[] profiles)
    {
        var message = _message;
        var incoming = Incoming(message);
        var profile = ProfileFor(profiles, message.Topic);
        var progress = new HandlingProgress();
        var status = NodeStatusTopic.IsStatusTopic(message.Topic);
        return incoming.Payload.Length + profile.Format.Length + (status ? 1 : 0) + (progress.Recorded ? 1 : 0);
    }
}
