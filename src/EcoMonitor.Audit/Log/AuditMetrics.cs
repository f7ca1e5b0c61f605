using EcoMonitor.Runtime.Telemetry;
using Prometheus;

namespace EcoMonitor.Audit.Log;

/// <summary>The audit log's counters, exported on <c>/metrics</c> (docs/http.md#metrics).</summary>
internal sealed class AuditMetrics
{
    public AuditMetrics(RuntimeMetrics runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        Runtime = runtime;
        var factory = runtime.Factory;
        Records = factory.CreateCounter("ecomonitor_audit_records_total", "Records appended to the audit log (durable), by type.", ["type"]);
        LogBytes = factory.CreateGauge("ecomonitor_audit_log_bytes", "Size of the audit log file log.jsonl in bytes.");
        AttachmentBytes = factory.CreateGauge("ecomonitor_audit_attachment_bytes", "Size of attachments.bin (the readings batches' points the log vouches for) in bytes.");
        Checkpoints = factory.CreateCounter("ecomonitor_audit_checkpoints_total", "Signed checkpoints written.");
        CheckpointsPublished = factory.CreateCounter("ecomonitor_audit_checkpoints_published_total", "Signed checkpoints the broker took (PUBACK) on Audit:CheckpointTopic, retained.");
        AppendSeconds = factory.CreateHistogram(
            "ecomonitor_audit_append_seconds",
            "Time from an append to its record being durable (fsynced), group commit included.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });
        Failures = factory.CreateCounter("ecomonitor_audit_failures_total", "Audit log operations that failed, by what (append, checkpoint, tree, checkpoint-publish, writer-loop, checkpoint-loop, publish-loop).", ["what"]);
        Recoveries = factory.CreateCounter("ecomonitor_audit_recoveries_total", "Repairs made when the log opened, by what (torn-tail, torn-attachment, torn-checkpoint, nodes-rebuilt).", ["what"]);
    }

    public RuntimeMetrics Runtime { get; }

    public Counter Records { get; }

    public Gauge LogBytes { get; }

    public Gauge AttachmentBytes { get; }

    public Counter Checkpoints { get; }

    public Counter CheckpointsPublished { get; }

    public Histogram AppendSeconds { get; }

    public Counter Failures { get; }

    public Counter Recoveries { get; }
}
