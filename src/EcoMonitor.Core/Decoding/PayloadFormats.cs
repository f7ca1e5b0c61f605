namespace EcoMonitor.Core.Decoding;

/// <summary>The decoders known to the service, by format name.</summary>
public sealed class PayloadFormats
{
    private readonly Dictionary<string, IPayloadDecoder> _decoders;

    public PayloadFormats(IEnumerable<IPayloadDecoder> decoders) =>
        _decoders = decoders.ToDictionary(d => d.Format, StringComparer.OrdinalIgnoreCase);

    public static PayloadFormats Default { get; } = new([new NativeJsonDecoder()]);

    public IEnumerable<string> Names => _decoders.Keys;

    public bool TryGet(string format, out IPayloadDecoder decoder)
    {
        // Only the native format exists so far, so "auto" resolves to it.
        if (string.Equals(format, "auto", StringComparison.OrdinalIgnoreCase))
        {
            format = NativeJsonDecoder.FormatName;
        }

        return _decoders.TryGetValue(format, out decoder!);
    }
}
