using System.Text.Json;

namespace EcoMonitor.Core.Decoding;

/// <summary>Turns one message of one wire format into readings. Never throws on bad input.</summary>
public interface IPayloadDecoder
{
    /// <summary>The format name used in subscriptions and on the command line.</summary>
    string Format { get; }

    /// <summary>For <c>auto</c>: whether a parsed payload has this format's shape.</summary>
    bool Recognizes(JsonElement root, string topic);

    DecodeResult Decode(DecodeContext context);
}
