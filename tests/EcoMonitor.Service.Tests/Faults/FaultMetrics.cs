namespace EcoMonitor.Service.Tests.Faults;

/// <summary>The series of the service's <c>/metrics</c> that the fault cases read.</summary>
internal static class FaultMetrics
{
    public const string Received = "ecomonitor_messages_received_total";
    public const string Acknowledged = "ecomonitor_messages_acknowledged_total";
    public const string Redelivered = "ecomonitor_messages_redelivered_total";
    public const string QueueDepth = "ecomonitor_queue_messages";
    public const string MqttConnected = "ecomonitor_mqtt_connected";
    public const string Stored = "ecomonitor_readings_stored_total";
    public const string DuplicateReadings = "ecomonitor_readings_duplicate_total";
    public const string Spooled = "ecomonitor_readings_spooled_total";
    public const string Replayed = "ecomonitor_readings_replayed_total";
    public const string SpoolBytes = "ecomonitor_spool_bytes";
    public const string SpoolFull = "ecomonitor_spool_full";
    public const string SpoolDamaged = "ecomonitor_spool_damaged_bytes_total";
    public const string DeadLettered = "ecomonitor_dead_lettered_messages_total";
}

/// <summary>Where the fault cases write the numbers they measure: the test output.</summary>
internal static class FaultLog
{
    public static void Log(string text) => TestContext.Current.TestOutputHelper?.WriteLine(text);
}
