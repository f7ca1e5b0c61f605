using EcoMonitor.Runtime.Telemetry;
using Prometheus;

namespace EcoMonitor.Alerting;

/// <summary>The counters of the alert engine, exported on <c>/metrics</c>.</summary>
public sealed class AlertMetrics
{
    private readonly RuntimeMetrics _runtime;

    public AlertMetrics(RuntimeMetrics runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _runtime = runtime;
        var factory = runtime.Factory;
        AlertTransitions = factory.CreateCounter("ecomonitor_alert_transitions_total", "Alert state changes, by the state entered.", ["state"]);
        AlertsFiring = factory.CreateGauge("ecomonitor_alerts_firing", "Alerts firing now.");
        AlertStateSaves = factory.CreateCounter("ecomonitor_alert_state_saves_total", "Alert state snapshots written to DataDirectory/state.");
        AlertTickFailures = factory.CreateCounter("ecomonitor_alert_tick_failures_total", "Alert engine ticks that failed unexpectedly (logged; the next tick runs as usual).");
    }

    /// <summary>Label <c>store</c>: one of <see cref="Runtime.Health.DiskStores"/>.</summary>
    public Counter DiskWriteFailures => _runtime.DiskWriteFailures;

    public Counter AlertTransitions { get; }

    public Gauge AlertsFiring { get; }

    public Counter AlertStateSaves { get; }

    public Counter AlertTickFailures { get; }
}
