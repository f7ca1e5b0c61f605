using System.Text.Json.Serialization;
using EcoMonitor.Core.DeadLetters;

namespace EcoMonitor.Ingest.DeadLetters;

/// <summary>
/// One line of the dead-letter store: a message that was wholly or partly refused, with every
/// reason and the payload as received (text when it is UTF-8, else base64): at most
/// <see cref="DeadLetterOptions.MaxPayloadBytes"/> of it, with the whole payload's size and
/// SHA-256, and whether it was cut (docs/decisions.md, "Dead letters").
/// </summary>
internal sealed record DeadLetterRecord(
    DateTimeOffset Time,
    string Topic,
    string Format,
    IReadOnlyList<Rejection> Reasons,
    int AcceptedReadings,
    string? Payload,
    string? PayloadBase64,
    long PayloadBytes = 0,
    string? PayloadSha256 = null,
    bool PayloadTruncated = false);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeadLetterRecord))]
internal sealed partial class DeadLetterJsonContext : JsonSerializerContext;
