
namespace EcoMonitor.Runtime.Health;

/// <summary>
/// The files the service writes, as named in the <c>store</c> label of
/// <c>ecomonitor_disk_write_failures_total</c> and, with <c>-disk</c>, in the readiness condition
/// each raises while its disk refuses writes (docs/decisions.md, "Full disks").
/// </summary>
public static class DiskStores
{
    public const string Spool = "spool";
    public const string DeadLetter = "dead-letter";
    public const string Outbox = "outbox";
    public const string AlertState = "alert-state";
    public const string SensorState = "sensor-state";
    public const string AuditLog = "audit-log";

    /// <summary>A write the disk refused: full (ENOSPC), failing (EIO), or not writable.</summary>
    public static bool IsWriteFailure(Exception exception) => exception is IOException or UnauthorizedAccessException;
}
