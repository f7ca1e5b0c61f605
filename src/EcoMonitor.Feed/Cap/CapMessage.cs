namespace EcoMonitor.Feed.Cap;

/// <summary>A CAP 1.2 alert as the feed writes it (docs/feed.md#mapping): status Actual, scope Public.</summary>
internal sealed record CapMessage(
    string Identifier,
    string Sender,
    DateTimeOffset Sent,
    string MsgType,
    IReadOnlyList<CapReference> References,
    string Incidents,
    IReadOnlyList<CapInfo> Infos);

/// <summary>An earlier message of the chain: <c>sender,identifier,sent</c>.</summary>
internal sealed record CapReference(string Sender, string Identifier, DateTimeOffset Sent);

/// <summary>One <c>&lt;info&gt;</c>: one per language.</summary>
internal sealed record CapInfo(
    string Language,
    IReadOnlyList<string> Categories,
    string Event,
    string ResponseType,
    string Urgency,
    string Severity,
    string Certainty,
    string EventCode,
    DateTimeOffset Effective,
    DateTimeOffset? Onset,
    DateTimeOffset Expires,
    string SenderName,
    string Headline,
    string Description,
    string? Instruction,
    string? Web,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    CapArea Area);

/// <summary>An <c>&lt;area&gt;</c>: description, geometry, and the GB/T 2260 code as geocode <c>ADCODE</c>.</summary>
internal sealed record CapArea(string AreaDesc, string? Polygon, string? Circle, string? Adcode);
