using Prometheus;

namespace EcoMonitor.Runtime.Telemetry;

/// <summary>
/// The registry every concern's counters are created in, exported on <c>/metrics</c>, and the
/// counters no single concern owns. One registry per host, so several hosts in one process
/// (tests) do not share counts.
/// </summary>
public sealed class RuntimeMetrics
{
    public RuntimeMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        Factory = Metrics.WithCustomRegistry(Registry);
        DiskWriteFailures = Factory.CreateCounter("ecomonitor_disk_write_failures_total", "Writes the disk refused (full, failing, not writable), by store (DiskStores); each retry counts.", ["store"]);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Creates collectors in <see cref="Registry"/>.</summary>
    public IMetricFactory Factory { get; }

    /// <summary>Label <c>store</c>: one of <see cref="Health.DiskStores"/>.</summary>
    public Counter DiskWriteFailures { get; }
}
