namespace EcoMonitor.Core.Decoding;

/// <summary>Turns one message of one wire format into readings. Never throws on bad input.</summary>
public interface IPayloadDecoder
{
    /// <summary>The format name used in subscriptions and on the command line.</summary>
    string Format { get; }

    DecodeResult Decode(IncomingMessage message, DecoderLimits limits);
}
