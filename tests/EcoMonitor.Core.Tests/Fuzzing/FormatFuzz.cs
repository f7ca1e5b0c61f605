using CsCheck;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>How one fuzzed payload arrives: topic, receive time, subscription, the ingestor and the limits it was built with.</summary>
/// <param name="DecoderReceivedAt">
/// When set, the format's decoder alone decodes the payload too, received at this instant:
/// validation needs a real clock, but the decoder must survive any (SenML's relative times).
/// </param>
internal sealed record FuzzCase(
    string Topic,
    DateTimeOffset ReceivedAt,
    SubscriptionProfile Profile,
    MessageIngestor Ingestor,
    DecoderLimits Limits,
    DateTimeOffset? DecoderReceivedAt = null);

/// <summary>
/// A format's fuzz inputs: random and mutated payloads built from the format's seeds and keys, the
/// messages they arrive as, and what the inputs must reach. What they are checked against is the
/// decoder contract (<see cref="Decoding.DecoderContractTests"/>), the same for every format.
/// </summary>
internal abstract class FormatFuzz
{
    public abstract Gen<byte[]> RandomPayloads { get; }

    public abstract Gen<byte[]> MutatedPayloads { get; }

    public abstract Gen<FuzzCase> Cases { get; }

    /// <summary>
    /// Refusal codes that <see cref="OutcomeSamples"/> mutated payloads reach, and
    /// <see cref="MinimumAccepted"/> readings they get accepted: guards the generators against
    /// degenerating into inputs refused at the door. Codes listed are reached in every run by far.
    /// </summary>
    public abstract IReadOnlySet<string> Outcomes { get; }

    public virtual int MinimumAccepted => 200;

    public virtual int OutcomeSamples => 5_000;

    /// <summary>Fails when the mutator quietly returns its input.</summary>
    public abstract void AssertMutatorChanges();

    /// <summary>The fuzz inputs of a registered format; a format registered without any fails here.</summary>
    public static FormatFuzz For(string format) => format switch
    {
        NativeJsonDecoder.FormatName => new NativeFuzz(),
        SenmlDecoder.FormatName => new SenmlFuzz(),
        TasmotaDecoder.FormatName => new TasmotaFuzz(),
        SensorCommunityDecoder.FormatName => new SensorCommunityFuzz(),
        TheThingsStackDecoder.FormatName => new TheThingsStackFuzz(),
        _ => throw new ArgumentException($"format '{format}' is registered but has no fuzz inputs: add a {nameof(FormatFuzz)} for it", nameof(format)),
    };
}
