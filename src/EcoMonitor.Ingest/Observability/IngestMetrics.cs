using EcoMonitor.Runtime.Telemetry;
using Prometheus;

namespace EcoMonitor.Ingest.Observability;

/// <summary>The counters of the ingest path, exported on <c>/metrics</c>.</summary>
public sealed class IngestMetrics
{
    private readonly RuntimeMetrics _runtime;

    public IngestMetrics(RuntimeMetrics runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _runtime = runtime;
        var factory = runtime.Factory;
        MessagesIgnored = factory.CreateCounter("ecomonitor_messages_ignored_total", "Messages on topics the service itself publishes to (its mqtt notification channels), acknowledged without being read as sensor data.");
        MessagesReceived = factory.CreateCounter("ecomonitor_messages_received_total", "MQTT messages received.");
        MessagesAcknowledged = factory.CreateCounter("ecomonitor_messages_acknowledged_total", "MQTT messages acknowledged after their readings were stored or dead-lettered.");
        ReadingsAccepted = factory.CreateCounter("ecomonitor_readings_accepted_total", "Readings that passed decoding and validation.");
        ReadingsStored = factory.CreateCounter("ecomonitor_readings_stored_total", "Readings written to the store.");
        ReceiveTimeStamped = factory.CreateCounter("ecomonitor_readings_receive_time_stamped_total", "Readings without a device timestamp, stamped with the receive time.");
        Rejections = factory.CreateCounter("ecomonitor_rejections_total", "Refused messages, records or readings, by reason code.", ["reason"]);
        DeadLettered = factory.CreateCounter("ecomonitor_dead_lettered_messages_total", "Messages with at least one rejection, recorded in the dead-letter store.");
        StoreWriteFailures = factory.CreateCounter("ecomonitor_store_write_failures_total", "Failed write attempts to the store (each retry counts).");
        BatchLatency = factory.CreateHistogram(
            "ecomonitor_batch_write_seconds",
            "Time to write one batch to the store, retries included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        AcknowledgementLag = factory.CreateHistogram(
            "ecomonitor_ack_lag_seconds",
            "Time from a message's arrival to its acknowledgement to the broker (decode, queue, store or spool).",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        PublishToStored = factory.CreateHistogram(
            "ecomonitor_publish_to_stored_seconds",
            "Per message, from its newest reading's device time to its batch being stored or spooled: publish to stored, with the device's clock in step.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 20) });
        QueueDepth = factory.CreateGauge("ecomonitor_queue_messages", "Messages waiting between the consumer and the batch writer.");
        ReadingsSpooled = factory.CreateCounter("ecomonitor_readings_spooled_total", "Readings written to the disk spool because the store could not take them.");
        ReadingsReplayed = factory.CreateCounter("ecomonitor_readings_replayed_total", "Readings replayed from the spool into the store.");
        SpoolBytes = factory.CreateGauge("ecomonitor_spool_bytes", "Bytes in the disk spool.");
        SpoolFull = factory.CreateGauge("ecomonitor_spool_full", "1 while the spool is full and acknowledgements are held back.");
        SpoolDamagedBytes = factory.CreateCounter("ecomonitor_spool_damaged_bytes_total", "Bytes of spool segments found damaged or torn and not replayed.");
        DuplicateReadings = factory.CreateCounter("ecomonitor_readings_duplicate_total", "Readings whose seq a device had sent before (replays, resends); stored again, overwriting themselves.");
        MessagesRedelivered = factory.CreateCounter("ecomonitor_messages_redelivered_total", "Messages the broker redelivered (DUP flag).");
        DeadLetterFilesDeleted = factory.CreateCounter("ecomonitor_dead_letter_files_deleted_total", "Oldest dead-letter files deleted to keep DeadLetters:MaxTotalBytes.");
        DeadLetterCopiesDropped = factory.CreateCounter("ecomonitor_dead_letter_copies_dropped_total", "Dead-letter copies not republished to MQTT because the broker was too slow (the file keeps them).");
        MqttConnected = factory.CreateGauge("ecomonitor_mqtt_connected", "1 while connected to the broker.");
        StatusMessages = factory.CreateCounter("ecomonitor_status_messages_total", "Node status messages (eco/{site}/{kind}/{device}/status), by what they said: online, offline, cleared (empty payload) or rejected (dead-lettered).", ["status"]);
        MessageHandlingFailures = factory.CreateCounter("ecomonitor_message_handling_failures_total", "Failed attempts to handle a received message (each retry counts), e.g. the dead-letter store could not write.");
    }

    public CollectorRegistry Registry => _runtime.Registry;

    public Counter MessagesIgnored { get; }

    /// <summary>Label <c>store</c>: one of <see cref="Runtime.Health.DiskStores"/>.</summary>
    public Counter DiskWriteFailures => _runtime.DiskWriteFailures;

    public Counter MessagesReceived { get; }

    public Counter MessagesAcknowledged { get; }

    public Counter ReadingsAccepted { get; }

    public Counter ReadingsStored { get; }

    public Counter ReceiveTimeStamped { get; }

    public Counter Rejections { get; }

    public Counter DeadLettered { get; }

    public Counter StoreWriteFailures { get; }

    public Histogram BatchLatency { get; }

    public Histogram AcknowledgementLag { get; }

    public Histogram PublishToStored { get; }

    public Gauge QueueDepth { get; }

    public Counter ReadingsSpooled { get; }

    public Counter ReadingsReplayed { get; }

    public Gauge SpoolBytes { get; }

    public Gauge SpoolFull { get; }

    public Counter SpoolDamagedBytes { get; }

    public Counter DuplicateReadings { get; }

    public Counter MessagesRedelivered { get; }

    public Counter DeadLetterFilesDeleted { get; }

    public Counter DeadLetterCopiesDropped { get; }

    public Gauge MqttConnected { get; }

    public Counter MessageHandlingFailures { get; }

    /// <summary>Label <c>status</c>: online, offline, cleared, rejected.</summary>
    public Counter StatusMessages { get; }

    public double RejectionsFor(string reason) => Rejections.WithLabels(reason).Value;
}
