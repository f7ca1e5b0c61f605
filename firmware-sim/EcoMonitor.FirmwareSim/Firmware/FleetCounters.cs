using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;

namespace EcoMonitor.FirmwareSim.Firmware;

/// <summary>Running totals shared by all node loops; updated with interlocked operations.</summary>
internal sealed class FleetCounters
{
    private readonly long[] _faults = new long[Enum.GetValues<FaultKind>().Length];
    private long _messages;
    private long _readings;
    private long _validReadings;
    private long _invalidMessages;
    private long _failedMessages;

    public long Messages => Interlocked.Read(ref _messages);

    public long Readings => Interlocked.Read(ref _readings);

    public long InvalidMessages => Interlocked.Read(ref _invalidMessages);

    public long FailedMessages => Interlocked.Read(ref _failedMessages);

    public void Record(SimulatedMessage message, bool published)
    {
        if (!published)
        {
            Interlocked.Increment(ref _failedMessages);
            return;
        }

        Interlocked.Increment(ref _messages);
        Interlocked.Add(ref _readings, message.Readings);
        if (message.Fault is { } fault)
        {
            Interlocked.Increment(ref _invalidMessages);
            Interlocked.Increment(ref _faults[(int)fault]);
        }
        else
        {
            Interlocked.Add(ref _validReadings, message.Readings);
        }
    }

    public FleetSummary ToSummary(int nodes, TimeSpan elapsed) => new(
        Messages,
        Readings,
        Interlocked.Read(ref _validReadings),
        InvalidMessages,
        new FaultCounts(
            Interlocked.Read(ref _faults[(int)FaultKind.MalformedJson]),
            Interlocked.Read(ref _faults[(int)FaultKind.OutOfRange]),
            Interlocked.Read(ref _faults[(int)FaultKind.UnknownMetric]),
            Interlocked.Read(ref _faults[(int)FaultKind.StringValue])),
        FailedMessages,
        nodes,
        elapsed);
}
