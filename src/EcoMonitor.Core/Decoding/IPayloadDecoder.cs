using System.Text.Json;

namespace EcoMonitor.Core.Decoding;

/// <summary>Turns one message of one wire format into readings. Never throws on bad input.</summary>
public interface IPayloadDecoder
{
    /// <summary>The canonical format name: in subscriptions, on the command line, in metrics and dead letters.</summary>
    string Format { get; }

    /// <summary>Other names accepted wherever a format is named, case-insensitive (<c>ttn</c> for <c>tts</c>).</summary>
    IReadOnlyList<string> Aliases { get; }

    /// <summary>
    /// The topics this format is published on by convention (docs/formats.md): what a subscription
    /// or <c>decode</c> that names the format and no pattern of its own should use.
    /// </summary>
    TopicPattern ConventionalTopic { get; }

    /// <summary>For <c>auto</c>: whether a parsed payload has this format's shape.</summary>
    bool Recognizes(JsonElement root, string topic);

    DecodeResult Decode(DecodeContext context);
}
