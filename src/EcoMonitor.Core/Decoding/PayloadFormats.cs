using System.Text.Json;
using EcoMonitor.Core.DeadLetters;

namespace EcoMonitor.Core.Decoding;

/// <summary>The decoders known to the service, by format name, and <c>auto</c>, which picks one by the payload's shape.</summary>
public sealed class PayloadFormats
{
    public const string Auto = "auto";
    private readonly List<IPayloadDecoder> _decoders;

    public PayloadFormats(IEnumerable<IPayloadDecoder> decoders) => _decoders = [.. decoders];

    /// <summary>Every format; for <c>auto</c> the more specific shapes are tried first.</summary>
    public static PayloadFormats Default { get; } = new(
    [
        new TheThingsStackDecoder(),
        new SensorCommunityDecoder(),
        new TasmotaDecoder(),
        new SenmlDecoder(),
        new NativeJsonDecoder(),
    ]);

    public IEnumerable<string> Names => _decoders.Select(d => d.Format);

    public bool IsKnown(string format) =>
        string.Equals(format, Auto, StringComparison.OrdinalIgnoreCase) || _decoders.Exists(d => string.Equals(d.Format, format, StringComparison.OrdinalIgnoreCase));

    public DecodeResult Decode(DecodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var format = context.Profile.Format;
        if (!string.Equals(format, Auto, StringComparison.OrdinalIgnoreCase))
        {
            var decoder = _decoders.Find(d => string.Equals(d.Format, format, StringComparison.OrdinalIgnoreCase));
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
