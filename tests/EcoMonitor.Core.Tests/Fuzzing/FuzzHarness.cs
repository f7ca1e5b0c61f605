using System.Globalization;
using System.Text;
using CsCheck;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;
using Xunit;

namespace EcoMonitor.Core.Tests.Fuzzing;

/// <summary>
/// What <see cref="FuzzHarness.AssertSound(IngestResult, Soundness, DecoderLimits?)"/> checks beyond
/// <see cref="Basic"/>, which always holds: every refusal carries a code from
/// <see cref="RejectionCodes.All"/> and a reason, and every accepted value is finite.
/// </summary>
[Flags]
internal enum Soundness
{
    Basic = 0,

    /// <summary>Accepted readings carry a valid site and device.</summary>
    Identifiers = 1,

    /// <summary>Accepted readings name a metric of the catalog.</summary>
    KnownMetric = 2,

    /// <summary>Accepted readings name a metric of the catalog, and their values are plausible for it.</summary>
    Plausible = 4 | KnownMetric,

    /// <summary>A refusal's record index, where it has one, is not negative.</summary>
    RecordIndex = 8,

    /// <summary>A message yields readings or reasons: nothing is acknowledged silently.</summary>
    NothingSilent = 16,

    All = Identifiers | Plausible | RecordIndex | NothingSilent,
}

/// <summary>
/// The frame of the fuzz tests: the ingestors they build, the sampling loop (a failing payload is
/// printed), and the soundness check that must hold for any input. Each format brings its own seeds,
/// keys, topics and subscriptions (<see cref="FormatFuzz"/>); payload generators and mutations are in
/// <see cref="JsonPayloadFuzzer"/> (text level) and <see cref="JsonTreeMutator"/> (tree level).
/// </summary>
internal static class FuzzHarness
{
    /// <summary>Random and mutated payloads each format's fuzz tests try, at the least.</summary>
    public const int Iterations = 100_000;

    /// <summary>An ingestor over <paramref name="decoders"/> (in that order; by default the standard ones), validating against the default catalog.</summary>
    public static MessageIngestor Ingestor(ValidationOptions? options = null, DecoderLimits? limits = null, IEnumerable<IPayloadDecoder>? decoders = null) =>
        new(new PayloadFormats(decoders ?? PayloadFormats.StandardDecoders()), new ReadingValidator(MetricCatalog.Default, options ?? new ValidationOptions()), limits ?? new DecoderLimits());

    /// <summary>Runs <paramref name="check"/> on <paramref name="iterations"/> payloads, each with a context; prints a failing payload.</summary>
    public static void Sample<TContext>(Gen<byte[]> payloads, Gen<TContext> context, Action<byte[], TContext> check, long iterations = Iterations)
    {
        ArgumentNullException.ThrowIfNull(check);
        Gen.Select(payloads, context).Sample((payload, at) => check(payload, at), iter: iterations, print: t => Print(t.Item1));
    }

    /// <summary>
    /// The decoder contract for one fuzzed payload of <paramref name="decoder"/>'s format: ingested as
    /// <paramref name="at"/> says, it is <see cref="Soundness.All"/>-sound within the case's limits;
    /// <see cref="IPayloadDecoder.Recognizes"/> does not throw on it; and where the case asks, the decoder
    /// alone is sound at another receive time.
    /// </summary>
    public static void Check(IPayloadDecoder decoder, byte[] payload, FuzzCase at)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(at);
        AssertSound(at.Ingestor.Ingest(new IncomingMessage(at.Topic, payload, at.ReceivedAt), at.Profile), Soundness.All, at.Limits);
        Recognize(decoder, payload, at.Limits, at.Topic);
        if (at.DecoderReceivedAt is { } receivedAt)
        {
            AssertSound(decoder.Decode(new DecodeContext(new IncomingMessage(at.Topic, payload, receivedAt), at.Profile, at.Limits)));
        }
    }

    /// <summary>What must hold for any input: coded, explained refusals and sound readings, plus the <paramref name="checks"/> asked for.</summary>
    /// <param name="limits">When given, no message yields more readings than they allow.</param>
    public static void AssertSound(IngestResult result, Soundness checks, DecoderLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (var rejection in result.Rejections)
        {
            Assert.Contains(rejection.Code, RejectionCodes.All);
            Assert.False(string.IsNullOrWhiteSpace(rejection.Reason));
            if (checks.HasFlag(Soundness.RecordIndex))
            {
                Assert.True(rejection.Record is null or >= 0);
            }
        }

        foreach (var reading in result.Accepted)
        {
            Assert.True(double.IsFinite(reading.Value));
            if (checks.HasFlag(Soundness.Identifiers))
            {
                Assert.True(SensorIdentifiers.IsValid(reading.Site));
                Assert.True(SensorIdentifiers.IsValid(reading.Device));
            }

            if (checks.HasFlag(Soundness.KnownMetric))
            {
                Assert.True(MetricCatalog.Default.TryGet(reading.Kind, reading.Metric, out var definition));
                if (checks.HasFlag(Soundness.Plausible))
                {
                    Assert.True(definition.IsPlausible(reading.Value));
                }
            }
        }

        if (limits is not null)
        {
            Assert.True(result.Accepted.Count <= limits.MaxReadingsPerMessage);
        }

        if (checks.HasFlag(Soundness.NothingSilent))
        {
            Assert.True(result.Accepted.Count > 0 || result.Rejections.Count > 0, "a message produced neither a reading nor a rejection");
        }
    }

    /// <summary>The same for a decoder's own result, before validation.</summary>
    public static void AssertSound(DecodeResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (var rejection in result.Rejections)
        {
            Assert.Contains(rejection.Code, RejectionCodes.All);
            Assert.False(string.IsNullOrWhiteSpace(rejection.Reason));
        }

        Assert.All(result.Readings, r => Assert.True(SensorIdentifiers.IsValid(r.Address.Device)));
        Assert.True(result.Readings.Count > 0 || result.Rejections.Count > 0, "a message decoded to neither a reading nor a rejection");
    }

    /// <summary><see cref="IPayloadDecoder.Recognizes"/> must not throw on whatever parses within <paramref name="limits"/>.</summary>
    public static void Recognize(IPayloadDecoder decoder, byte[] payload, DecoderLimits limits, string topic)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        if (JsonPayload.TryParse(payload, limits, out var document, out _))
        {
            using (document)
            {
                _ = decoder.Recognizes(document.RootElement, topic);
            }
        }
    }

    /// <summary>Guards a fuzz test against a mutator that quietly returns its input: fewer than 20 of 1000 mutations may.</summary>
    public static void AssertMutatorChanges(string seed, Func<string, Random, byte[]> mutate)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        var original = Encoding.UTF8.GetBytes(seed);
        var unchanged = Enumerable.Range(0, 1000).Count(i => mutate(seed, new Random(i)).AsSpan().SequenceEqual(original));

        Assert.True(unchanged < 20, $"{unchanged} of 1000 mutations left the seed unchanged");
    }

    public static string Print(byte[] payload) =>
        System.Text.Unicode.Utf8.IsValid(payload) ? Encoding.UTF8.GetString(payload) : "base64:" + Convert.ToBase64String(payload);

    /// <summary>A JSON string's content for arbitrary text: quotes, backslashes, controls and lone surrogates become escapes.</summary>
    public static string Escape(IEnumerable<char> text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder();
        foreach (var ch in text)
        {
            if (ch is '"' or '\\' || char.IsControl(ch) || char.IsSurrogate(ch))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)ch:x4}");
            }
            else
            {
                builder.Append(ch);
            }
        }

        return builder.ToString();
    }
}
