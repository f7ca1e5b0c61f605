using System.Collections.Concurrent;
using EcoMonitor.Core.Audit;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// An audit trail that keeps what is appended (leaf index = position). Off, it counts the records
/// it was given anyway, so a test sees that nothing was built; <see cref="Failing"/> makes it throw.
/// </summary>
internal sealed class RecordingAuditTrail(bool enabled = true) : IAuditTrail
{
    private long _next;
    private int _attempts;

    public bool Enabled => enabled;

    /// <summary>While true, <see cref="AppendAsync"/> throws (a log that cannot write).</summary>
    public bool Failing { get; set; }

    /// <summary>Every call of <see cref="AppendAsync"/>, taken or thrown.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    public ConcurrentQueue<AuditRecord> Records { get; } = new();

    public IEnumerable<AuditRecord> OfType(string type) => Records.Where(r => r.Type == type);

    public ValueTask<long> AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        Interlocked.Increment(ref _attempts);
        if (Failing)
        {
            throw new IOException("the audit log cannot be written");
        }

        // The record must be writable as the log writes it.
        _ = CanonicalJson.Serialize(record);
        Records.Enqueue(record);
        return ValueTask.FromResult(enabled ? Interlocked.Increment(ref _next) - 1 : -1L);
    }
}
