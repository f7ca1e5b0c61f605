namespace EcoMonitor.Core.Audit;

/// <summary>
/// Records built where nothing may wait for the disk (under a caller's lock), appended to the trail
/// later, in order; those a failed append leaves stay, ahead of newer ones, for the next call.
/// <paramref name="appended"/>, when given, is told each record's leaf index once it is durable.
/// </summary>
public sealed class PendingAuditRecords(IAuditTrail trail, Action<AuditRecord, long>? appended = null)
{
    private readonly Lock _gate = new();
    private List<AuditRecord> _pending = [];

    public bool Enabled => trail.Enabled;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public void Add(IEnumerable<AuditRecord> records)
    {
        lock (_gate)
        {
            _pending.AddRange(records);
        }
    }

    /// <summary>Takes what is pending: the caller appends it with <see cref="AppendAsync"/> or gives it back with <see cref="PutBack"/>.</summary>
    public List<AuditRecord> Take()
    {
        lock (_gate)
        {
            var taken = _pending;
            _pending = [];
            return taken;
        }
    }

    public void PutBack(List<AuditRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            records.AddRange(_pending);
            _pending = records;
        }
    }

    /// <summary>Appends <paramref name="records"/> in order; on failure the ones not durable are put back and the failure thrown.</summary>
    public async ValueTask AppendAsync(List<AuditRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var done = 0;
        try
        {
            for (; done < records.Count; done++)
            {
                var index = await trail.AppendAsync(records[done], cancellationToken);
                appended?.Invoke(records[done], index);
            }
        }
        finally
        {
            if (done < records.Count)
            {
                PutBack(records[done..]);
            }
        }
    }

    public ValueTask AppendPendingAsync(CancellationToken cancellationToken) => AppendAsync(Take(), cancellationToken);
}
