using System.Globalization;

namespace EcoMonitor.FirmwareSim.Firmware;

/// <summary>
/// What the firmware behaviour did in a run (outages, buffer, replays, resends), beside the
/// <see cref="FleetSummary"/>; shared by all node loops, updated with interlocked operations.
/// </summary>
internal sealed class FirmwareCounters
{
    private long _offlinePeriods;
    private long _buffered;
    private long _bufferDropped;
    private long _replayBatches;
    private long _replayed;
    private long _duplicates;
    private long _reconnects;
    private long _killed;

    /// <summary>Scheduled outages begun.</summary>
    public long OfflinePeriods => Interlocked.Read(ref _offlinePeriods);

    /// <summary>Messages that went into a store-and-forward buffer (each once, however often its replay is tried).</summary>
    public long Buffered => Interlocked.Read(ref _buffered);

    /// <summary>Buffered messages dropped, oldest first, because the buffer was full: lost, as on a device.</summary>
    public long BufferDropped => Interlocked.Read(ref _bufferDropped);

    /// <summary>Replay messages the broker accepted.</summary>
    public long ReplayBatches => Interlocked.Read(ref _replayBatches);

    /// <summary>Buffered messages delivered inside those replay messages.</summary>
    public long Replayed => Interlocked.Read(ref _replayed);

    /// <summary>Messages the broker accepted a second time (same payload, same seq).</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Connections made again after an outage or a lost connection.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Nodes made to vanish without a DISCONNECT (tests).</summary>
    public long Killed => Interlocked.Read(ref _killed);

    public void OfflinePeriod() => Interlocked.Increment(ref _offlinePeriods);

    public void Buffer() => Interlocked.Increment(ref _buffered);

    public void Dropped() => Interlocked.Increment(ref _bufferDropped);

    public void Replay(int messages)
    {
        Interlocked.Increment(ref _replayBatches);
        Interlocked.Add(ref _replayed, messages);
    }

    public void Duplicate() => Interlocked.Increment(ref _duplicates);

    public void Reconnect() => Interlocked.Increment(ref _reconnects);

    public void Kill() => Interlocked.Increment(ref _killed);

    public string ToSummaryLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"firmware offline_periods={OfflinePeriods} buffered={Buffered} buffer_dropped={BufferDropped} replay_batches={ReplayBatches} replayed={Replayed} duplicates={Duplicates} reconnects={Reconnects}");
}
