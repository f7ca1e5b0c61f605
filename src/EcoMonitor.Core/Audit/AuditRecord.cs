namespace EcoMonitor.Core.Audit;

/// <summary>
/// One entry of the tamper-evident record (docs/audit.md#records): what happened (<see cref="Type"/>,
/// one of <see cref="AuditRecordTypes"/>), when (<see cref="At"/>), and its fields. Field values
/// are strings, numbers, booleans, null, or nested lists and string-keyed maps of those; the log
/// writes the record as canonical JSON (<see cref="CanonicalJson"/>), and those exact bytes are the
/// Merkle leaf.
/// </summary>
public sealed record AuditRecord(string Type, DateTimeOffset At, IReadOnlyDictionary<string, object?> Fields)
{
    /// <summary>
    /// Bytes kept beside the log, not in the record, that its <c>sha256</c> field names (a readings
    /// batch's canonical points, docs/audit.md#attachments): durable before the record is.
    /// </summary>
    public byte[]? Attachment { get; init; }
}

/// <summary>The record types (docs/audit.md#records).</summary>
public static class AuditRecordTypes
{
    /// <summary>The effective configuration at start, hashed, secrets removed.</summary>
    public const string Configuration = "config";

    /// <summary>A rules file loaded or changed: its SHA-256 and what changed.</summary>
    public const string Rules = "rules";

    /// <summary>An alert rule's transition for a series.</summary>
    public const string Alert = "alert";

    /// <summary>A notification handed to a channel, or its delivery outcome.</summary>
    public const string Notification = "notification";

    /// <summary>An officer's acknowledgement.</summary>
    public const string Acknowledgement = "ack";

    /// <summary>A silence created or expired.</summary>
    public const string Silence = "silence";

    /// <summary>A public CAP message: its identifier and SHA-256.</summary>
    public const string Cap = "cap";

    /// <summary>The digest of one store batch of readings.</summary>
    public const string Readings = "readings";

    /// <summary>A logged correction of a stored value (who, why, old and new).</summary>
    public const string Correction = "correction";
}

/// <summary>
/// Where the parts of the service append what they did (docs/audit.md). <see cref="AppendAsync"/>
/// returns once the record is durable (fsynced), so a caller can make its own acknowledgement
/// depend on it. Without <c>Audit:SigningKeyFile</c> the service uses <see cref="AuditTrail.None"/>.
/// </summary>
public interface IAuditTrail
{
    /// <summary>False when auditing is off: callers may skip building records.</summary>
    bool Enabled { get; }

    /// <summary>Appends <paramref name="record"/>; its leaf index once durable, or -1 when auditing is off.</summary>
    ValueTask<long> AppendAsync(AuditRecord record, CancellationToken cancellationToken);
}

/// <summary>Trails that need no log.</summary>
public static class AuditTrail
{
    /// <summary>Auditing off: nothing is recorded.</summary>
    public static IAuditTrail None { get; } = new NoTrail();

    private sealed class NoTrail : IAuditTrail
    {
        public bool Enabled => false;

        public ValueTask<long> AppendAsync(AuditRecord record, CancellationToken cancellationToken) => ValueTask.FromResult(-1L);
    }
}
