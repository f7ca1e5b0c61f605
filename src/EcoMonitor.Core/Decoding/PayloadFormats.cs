using System.Text.Json;
using EcoMonitor.Core.DeadLetters;

namespace EcoMonitor.Core.Decoding;

/// <summary>
/// The decoders known to the service, by format name or alias (case-insensitive), and <c>auto</c>,
/// which picks one by the payload's shape, trying the decoders in the order given.
/// </summary>
public sealed class PayloadFormats
{
    public const string Auto = "auto";
    private readonly List<IPayloadDecoder> _decoders;
    private readonly Dictionary<string, IPayloadDecoder> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The decoders in <c>auto</c> order, as DI hands out the registered <see cref="IPayloadDecoder"/>s.</summary>
    /// <exception cref="ArgumentException">Two decoders share a name or alias, or one is called <c>auto</c>.</exception>
    public PayloadFormats(IEnumerable<IPayloadDecoder> decoders)
    {
        ArgumentNullException.ThrowIfNull(decoders);
        _decoders = [.. decoders];
        foreach (var decoder in _decoders)
        {
            foreach (var name in decoder.Aliases.Prepend(decoder.Format))
            {
                if (string.Equals(name, Auto, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ArgumentException($"{decoder.GetType().Name} may not be called '{Auto}': that name picks a decoder by shape", nameof(decoders));
                }

                if (!_byName.TryAdd(name, decoder))
                {
                    throw new ArgumentException($"format name '{name}' of {decoder.GetType().Name} is taken by {_byName[name].GetType().Name}", nameof(decoders));
                }
            }
        }
    }

    /// <summary>
    /// New instances of every built-in decoder, in <c>auto</c> order: the more specific shapes first,
    /// native last (an object with <c>readings</c> is the loosest shape). What the service registers.
    /// </summary>
    public static IReadOnlyList<IPayloadDecoder> StandardDecoders() =>
    [
        new TheThingsStackDecoder(),
        new SensorCommunityDecoder(),
        new TasmotaDecoder(),
        new SenmlDecoder(),
        new NativeJsonDecoder(),
    ];

    /// <summary>The <see cref="StandardDecoders"/>, for code that has no container at hand.</summary>
    public static PayloadFormats Default { get; } = new(StandardDecoders());

    /// <summary>The canonical names, in <c>auto</c> order.</summary>
    public IEnumerable<string> Names => _decoders.Select(d => d.Format);

    /// <summary>The decoder named <paramref name="format"/> or one of its aliases; null for <c>auto</c> and unknown names.</summary>
    public IPayloadDecoder? Find(string format) => _byName.GetValueOrDefault(format);

    public bool IsKnown(string format) => string.Equals(format, Auto, StringComparison.OrdinalIgnoreCase) || _byName.ContainsKey(format);

    /// <summary>The canonical name of <paramref name="format"/> (<c>auto</c> as <see cref="Auto"/>), or null if it names none.</summary>
    public string? Canonical(string format) =>
        string.Equals(format, Auto, StringComparison.OrdinalIgnoreCase) ? Auto : Find(format)?.Format;

    /// <summary>The conventional topic of the format named, or null for <c>auto</c> and unknown names.</summary>
    public TopicPattern? ConventionalTopic(string format) => Find(format)?.ConventionalTopic;

    public DecodeResult Decode(DecodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var format = context.Profile.Format;
        if (!string.Equals(format, Auto, StringComparison.OrdinalIgnoreCase))
        {
            var decoder = Find(format);
            return decoder is null
                ? DecodeResult.Rejected(RejectionCodes.UnknownFormat, $"format '{format}' is not one of: {Auto}, {string.Join(", ", Names)}")
                : Named(decoder.Decode(context), decoder.Format);
        }

        // Sniffed leniently (airRohr relays leave a trailing comma); the chosen decoder parses for real.
        if (!JsonPayload.TryParse(context.Message.Payload, context.Limits, out var document, out var rejected, allowTrailingCommas: true))
        {
            return rejected;
        }

        using (document)
        {
            var match = Recognize(document.RootElement, context.Message.Topic);
            return match is null
                ? DecodeResult.Rejected(RejectionCodes.UnknownFormat, $"the payload has the shape of none of: {string.Join(", ", Names)}")
                : Named(match.Decode(context), match.Format);
        }
    }

    private static DecodeResult Named(DecodeResult result, string format)
    {
        result.Format = format;
        return result;
    }

    /// <summary>The format <c>auto</c> would pick, or null.</summary>
    public string? Detect(DecodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!JsonPayload.TryParse(context.Message.Payload, context.Limits, out var document, out _, allowTrailingCommas: true))
        {
            return null;
        }

        using (document)
        {
            return Recognize(document.RootElement, context.Message.Topic)?.Format;
        }
    }

    private IPayloadDecoder? Recognize(JsonElement root, string topic) =>
        _decoders.Find(d =>
        {
            try
            {
                return d.Recognizes(root, topic);
            }
            catch (InvalidOperationException)
            {
                // A key with an unpaired surrogate escape cannot be read as text: not this shape.
                return false;
            }
        });
}
