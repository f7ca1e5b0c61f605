using System.Text.Json.Serialization;
using EcoMonitor.Core.DeadLetters;

namespace EcoMonitor.Service.DeadLetters;

/// <summary>
/// One line of the dead-letter store: a message that was wholly or partly refused, with every
/// reason and the payload as received (text when it is UTF-8, else base64).
/// </summary>
public sealed record DeadLetterRecord(
    DateTimeOffset Time,
    string Topic,
    string Format,
    IReadOnlyList<Rejection> Reasons,
    int AcceptedReadings,
    string? Payload,
    string? PayloadBase64);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeadLetterRecord))]
internal sealed partial class DeadLetterJsonContext : JsonSerializerContext;
