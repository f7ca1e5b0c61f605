using EcoMonitor.Runtime.Telemetry;
using Prometheus;

namespace EcoMonitor.Sensors;

/// <summary>The counters of the sensor directory, exported on <c>/metrics</c> (docs/http.md#metrics).</summary>
internal sealed class SensorMetrics
{
    private readonly RuntimeMetrics _runtime;

    public SensorMetrics(RuntimeMetrics runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _runtime = runtime;
        var factory = runtime.Factory;
        Sensors = factory.CreateGauge("ecomonitor_sensors", "Devices in the sensor directory, by status (online, stale, offline).", ["status"]);
        StatusChanges = factory.CreateCounter("ecomonitor_sensor_status_changes_total", "Status changes of devices in the directory, by the status entered.", ["status"]);
        Refusals = factory.CreateCounter("ecomonitor_sensor_refusals_total", "What the directory did not take (the readings are stored all the same), by reason: directory-full (a new device, Sensors:MaxDevices), metrics-full (a new metric, Sensors:MaxMetricsPerDevice), kind-mismatch (a known device under another kind).", ["reason"]);
        Forgotten = factory.CreateCounter("ecomonitor_sensors_forgotten_total", "Devices removed from the directory: silent for Sensors:ForgetAfter, or their retained status cleared.");
        StateSaves = factory.CreateCounter("ecomonitor_sensor_state_saves_total", "Sensor directory snapshots written to DataDirectory/state/sensors.json.");
        TickFailures = factory.CreateCounter("ecomonitor_sensor_tick_failures_total", "Sensor directory ticks that failed unexpectedly (logged; the next tick runs as usual).");
    }

    /// <summary>Label <c>store</c>: one of <see cref="Runtime.Health.DiskStores"/>.</summary>
    public Counter DiskWriteFailures => _runtime.DiskWriteFailures;

    public Gauge Sensors { get; }

    public Counter StatusChanges { get; }

    public Counter Refusals { get; }

    public Counter Forgotten { get; }

    public Counter StateSaves { get; }

    public Counter TickFailures { get; }
}
