using Prometheus;

namespace EcoMonitor.Service.Observability;

/// <summary>
/// The counters of the ingest path, exported on <c>/metrics</c>. One registry per host, so
/// several hosts in one process (tests) do not share counts.
/// </summary>
public sealed class IngestMetrics
{
    public IngestMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        MessagesReceived = factory.CreateCounter("ecomonitor_messages_received_total", "MQTT messages received.");
        MessagesAcknowledged = factory.CreateCounter("ecomonitor_messages_acknowledged_total", "MQTT messages acknowledged after their readings were stored or dead-lettered.");
        ReadingsAccepted = factory.CreateCounter("ecomonitor_readings_accepted_total", "Readings that passed decoding and validation.");
        ReadingsStored = factory.CreateCounter("ecomonitor_readings_stored_total", "Readings written to the store.");
        ReceiveTimeStamped = factory.CreateCounter("ecomonitor_readings_receive_time_stamped_total", "Readings without a device timestamp, stamped with the receive time.");
        Rejections = factory.CreateCounter("ecomonitor_rejections_total", "Refused messages, records or readings, by reason code.", "reason");
        DeadLettered = factory.CreateCounter("ecomonitor_dead_lettered_messages_total", "Messages with at least one rejection, recorded in the dead-letter store.");
        StoreWriteFailures = factory.CreateCounter("ecomonitor_store_write_failures_total", "Failed write attempts to the store (each retry counts).");
        BatchLatency = factory.CreateHistogram(
            "ecomonitor_batch_write_seconds",
            "Time to write one batch to the store, retries included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
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
        AlertTransitions = factory.CreateCounter("ecomonitor_alert_transitions_total", "Alert state changes, by the state entered.", "state");
        AlertsFiring = factory.CreateGauge("ecomonitor_alerts_firing", "Alerts firing now.");
        NotificationsQueued = factory.CreateCounter("ecomonitor_notifications_queued_total", "Notifications made durable in the outbox.");
        NotificationsSent = factory.CreateCounter("ecomonitor_notifications_sent_total", "Notifications delivered, by channel.", "channel");
        NotificationsPending = factory.CreateGauge("ecomonitor_notifications_pending", "Notifications in the outbox not yet done for a channel.", "channel");
        NotificationsFailed = factory.CreateCounter("ecomonitor_notifications_failed_total", "Failed delivery attempts of a message, by channel (each retry counts).", "channel");
        NotificationsGivenUp = factory.CreateCounter("ecomonitor_notifications_given_up_total", "Notifications a channel refused for good (not retryable), by channel.", "channel");
        NotificationsSkipped = factory.CreateCounter("ecomonitor_notifications_skipped_total", "Notifications not sent to a channel: no route to it, or silenced.", "channel", "reason");
        NotificationMessages = factory.CreateCounter("ecomonitor_notification_messages_total", "Messages sent (a message carries one notification or a group), by channel.", "channel");
        NotificationsExpired = factory.CreateCounter("ecomonitor_notifications_expired_total", "Notifications given up for a channel by the expiry policy (Notifications:MaxAge, or the outbox bound).", "channel");
        AlertStateSaves = factory.CreateCounter("ecomonitor_alert_state_saves_total", "Alert state snapshots written to DataDirectory/state.");
        MqttConnected = factory.CreateGauge("ecomonitor_mqtt_connected", "1 while connected to the broker.");
        NotificationWorkerRestarts = factory.CreateCounter("ecomonitor_notification_worker_restarts_total", "Times a channel's delivery or resend loop threw and was restarted after a backoff, by channel.", "channel");
        MessageHandlingFailures = factory.CreateCounter("ecomonitor_message_handling_failures_total", "Failed attempts to handle a received message (each retry counts), e.g. the dead-letter store could not write.");
        DiskWriteFailures = factory.CreateCounter("ecomonitor_disk_write_failures_total", "Writes the disk refused (full, failing, not writable), by store (DiskStores); each retry counts.", "store");
        AlertTickFailures = factory.CreateCounter("ecomonitor_alert_tick_failures_total", "Alert engine ticks that failed unexpectedly (logged; the next tick runs as usual).");
    }

    public CollectorRegistry Registry { get; }

    public Counter MessagesReceived { get; }

    public Counter MessagesAcknowledged { get; }

    public Counter ReadingsAccepted { get; }

    public Counter ReadingsStored { get; }

    public Counter ReceiveTimeStamped { get; }

    public Counter Rejections { get; }

    public Counter DeadLettered { get; }

    public Counter StoreWriteFailures { get; }

    public Histogram BatchLatency { get; }

    public Gauge QueueDepth { get; }

    public Gauge MqttConnected { get; }

    public Counter ReadingsSpooled { get; }

    public Counter ReadingsReplayed { get; }

    public Gauge SpoolBytes { get; }

    public Gauge SpoolFull { get; }

    public Counter SpoolDamagedBytes { get; }

    public Counter DuplicateReadings { get; }

    public Counter MessagesRedelivered { get; }

    public Counter DeadLetterFilesDeleted { get; }

    public Counter DeadLetterCopiesDropped { get; }

    public Counter AlertTransitions { get; }

    public Gauge AlertsFiring { get; }

    public Counter NotificationsQueued { get; }

    public Counter NotificationsSent { get; }

    public Gauge NotificationsPending { get; }

    public Counter NotificationsExpired { get; }

    public Counter NotificationsFailed { get; }

    public Counter NotificationsGivenUp { get; }

    public Counter NotificationsSkipped { get; }

    public Counter NotificationMessages { get; }

    public Counter AlertStateSaves { get; }

    public Counter NotificationWorkerRestarts { get; }

    public Counter MessageHandlingFailures { get; }

    /// <summary>Label <c>store</c>: one of <see cref="DiskStores"/>.</summary>
    public Counter DiskWriteFailures { get; }

    public Counter AlertTickFailures { get; }

    public double RejectionsFor(string reason) => Rejections.WithLabels(reason).Value;
}
