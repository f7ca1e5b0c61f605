using System.Threading.Channels;
using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Storage;
using EcoMonitor.Ingest.Ingestion;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Ingest.Storage.Spool;
using EcoMonitor.Runtime.Health;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Storage;

/// <summary>
/// Takes messages off the queue, writes their readings in batches (by count or age) to the
/// store, or to the disk spool when the store cannot take them, and only then acknowledges each
/// message to the broker. When the spool is full too, it holds the acknowledgements and tries
/// again: the broker keeps the backlog, nothing is dropped. A disk that refuses the spool's write
/// (full, failing) is held the same way, with the readiness condition <c>spool-disk</c> raised, until
/// the store or the spool takes the batch again (docs/decisions.md, "Full disks"). Once a batch is
/// durable its <c>readings</c> record is appended to the audit trail, before any acknowledgement
/// (docs/audit.md#readings-digests); while the trail refuses it, acknowledgements are held the same way.
/// </summary>
internal sealed partial class BatchWriter(
    IngestQueue queue,
    StoreWriter store,
    DiskSpool spool,
    IOptions<IngestOptions> options,
    IOptions<SpoolOptions> spoolOptions,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<BatchWriter> logger,
    ReadinessConditions readiness,
    IAuditTrail trail) : BackgroundService
{
    /// <summary>Raised while the spool's disk refuses writes and acknowledgements are held.</summary>
    public const string SpoolDiskCondition = DiskStores.Spool + "-disk";

    private readonly IngestOptions _options = options.Value;

    /// <summary>Why a batch is held: neither the store nor the spool took it.</summary>
    private enum Hold
    {
        None,
        SpoolFull,
        SpoolDisk,
        DeadLetterDisk,
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = queue.Reader;
        var batch = new List<IngestEnvelope>();
        try
        {
            // Ends when the queue is completed and empty: the graceful drain on shutdown.
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                await CollectAsync(reader, batch, stoppingToken);
                await FlushAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Whatever was not flushed is not acknowledged: the broker redelivers it.
            LogAbandoned(logger, batch.Count + reader.Count);
        }
        finally
        {
            queue.MarkDrained();
        }
    }

    /// <summary>Fills the batch until it is full or its first message has waited long enough.</summary>
    private async Task CollectAsync(ChannelReader<IngestEnvelope> reader, List<IngestEnvelope> batch, CancellationToken stoppingToken)
    {
        var started = time.GetTimestamp();
        var readings = 0;

        // One deadline per batch, made at its first wait: messages that trickle in one by one
        // each end a wait, and must not each cost a new timer.
        CancellationTokenSource? timeout = null;
        CancellationTokenSource? linked = null;
        try
        {
            while (true)
            {
                while (batch.Count < _options.BatchMaxMessages && readings < _options.BatchMaxReadings && reader.TryRead(out var envelope))
                {
                    batch.Add(envelope);
                    readings += envelope.Readings.Count;
                }

                var remaining = _options.BatchMaxAge - time.GetElapsedTime(started);
                if (batch.Count >= _options.BatchMaxMessages || readings >= _options.BatchMaxReadings || remaining <= TimeSpan.Zero)
                {
                    return;
                }

                if (timeout is null)
                {
                    timeout = new CancellationTokenSource(remaining, time);
                    linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
                }

                try
                {
                    if (!await reader.WaitToReadAsync(linked!.Token))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
        finally
        {
            linked?.Dispose();
            timeout?.Dispose();
        }
    }

    private async Task FlushAsync(List<IngestEnvelope> batch, CancellationToken stoppingToken)
    {
        var readings = new List<Reading>();
        var alertLines = new List<string>();
        foreach (var envelope in batch)
        {
            readings.AddRange(envelope.Readings);
            if (envelope.AlertLines is { } lines)
            {
                alertLines.AddRange(lines);
            }
        }

        if (readings.Count > 0 || alertLines.Count > 0)
        {
            var lines = LineProtocol.Format(readings).Concat(alertLines).ToList();
            var started = time.GetTimestamp();

            // The batch's record is made durable while the batch is stored: the log's fsync and the
            // store's write overlap, and the acknowledgements wait for both (docs/audit.md#records).
            var audited = AuditAsync(readings, stoppingToken);
            try
            {
                await StoreOrSpoolAsync(lines, readings.Count, stoppingToken);
                metrics.BatchLatency.Observe(time.GetElapsedTime(started).TotalSeconds);
                LogBatchWritten(logger, readings.Count, lines.Count, batch.Count);
                ObservePublishToStored(batch);
            }
            finally
            {
                await audited;
            }
        }

        foreach (var envelope in batch)
        {
            try
            {
                // Not cancelled by shutdown: the readings are durable, so the ack should still leave.
                await envelope.Acknowledge(CancellationToken.None);
                metrics.MessagesAcknowledged.Inc();
                if (envelope.ReceivedAt != default)
                {
                    metrics.AcknowledgementLag.Observe((time.GetUtcNow() - envelope.ReceivedAt).TotalSeconds);
                }
            }
#pragma warning disable CA1031 // The connection may have dropped since: the broker redelivers, and the rewrite is idempotent.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogAckFailed(logger, ex, envelope.Topic);
            }
        }
    }

    /// <summary>Per message, its newest reading's device time to now (docs/http.md#metrics): a replayed backlog shows as its age.</summary>
    private void ObservePublishToStored(List<IngestEnvelope> batch)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var envelope in batch)
        {
            var readings = envelope.Readings;
            if (readings.Count == 0)
            {
                continue;
            }

            var newest = readings[0].TimestampMs;
            for (var i = 1; i < readings.Count; i++)
            {
                newest = Math.Max(newest, readings[i].TimestampMs);
            }

            metrics.PublishToStored.Observe(Math.Max(0, now - newest) / 1000.0);
        }
    }

    /// <summary>
    /// Appends the batch's <c>readings</c> record; until the trail takes it nothing is acknowledged
    /// (a stop meanwhile leaves the messages to be redelivered; the points overwrite themselves).
    /// </summary>
    private async Task AuditAsync(List<Reading> readings, CancellationToken stoppingToken)
    {
        if (!trail.Enabled || ReadingsAuditRecords.Batch(readings, time.GetUtcNow()) is not { } record)
        {
            return;
        }

        var failing = false;
        while (true)
        {
            try
            {
                await trail.AppendAsync(record, stoppingToken);
                if (failing)
                {
                    LogAuditAccepting(logger);
                }

                return;
            }
#pragma warning disable CA1031 // Whatever the trail throws, the batch is held and the record appended again.
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                if (!failing)
                {
                    LogAuditFailed(logger, ex);
                    failing = true;
                }
            }

            await Task.Delay(spoolOptions.Value.FullRetryInterval, time, stoppingToken);
        }
    }

    private async Task StoreOrSpoolAsync(List<string> lines, int readings, CancellationToken stoppingToken)
    {
        var hold = Hold.None;
        while (true)
        {
            Hold cause;
            try
            {
                await store.WriteAsync(lines, stoppingToken);
                break;
            }
            catch (StoreUnavailableException ex)
            {
                cause = TrySpool(lines, readings, ex.Message, hold);
                if (cause == Hold.None)
                {
                    break;
                }
            }
            catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
            {
                // Points the store refused could not be dead-lettered; the dead-letter store says
                // why (dead-letter-disk). The whole batch is written again: the rewrite is idempotent.
                cause = Hold.DeadLetterDisk;
                if (hold != cause)
                {
                    LogDeadLetterDiskHeld(logger, ex.Message);
                }
            }

            Enter(hold, cause);
            hold = cause;
            await Task.Delay(spoolOptions.Value.FullRetryInterval, time, stoppingToken);
        }

        if (hold != Hold.None)
        {
            Enter(hold, Hold.None);
            LogSpoolAccepting(logger);
        }
    }

    /// <summary>Appends to the spool; what holds the batch if that fails.</summary>
    private Hold TrySpool(List<string> lines, int readings, string storeFailure, Hold hold)
    {
        try
        {
            if (!spool.TryAppend(lines))
            {
                return Hold.SpoolFull;
            }
        }
        catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
        {
            if (hold != Hold.SpoolDisk)
            {
                LogSpoolDiskFailed(logger, ex, spool.Directory);
                readiness.Raise(SpoolDiskCondition, $"the store is down and the spool's disk refuses writes ({ex.Message}); acknowledgements are held back");
            }

            return Hold.SpoolDisk;
        }

        metrics.ReadingsSpooled.Inc(readings);
        LogSpooled(logger, readings, storeFailure);
        return Hold.None;
    }

    /// <summary>Moves from one hold to the next: gauges and conditions follow, each change logged once.</summary>
    private void Enter(Hold from, Hold to)
    {
        if (from == to)
        {
            return;
        }

        if (from == Hold.SpoolDisk)
        {
            readiness.Clear(SpoolDiskCondition);
        }

        if (to == Hold.SpoolFull)
        {
            LogSpoolFull(logger, spool.Bytes);
        }

        // Either way the spool takes nothing: acknowledgements are held back.
        metrics.SpoolFull.Set(to is Hold.SpoolFull or Hold.SpoolDisk ? 1 : 0);
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Wrote {Readings} readings as {Lines} points for {Messages} messages")]
    private static partial void LogBatchWritten(ILogger logger, int readings, int lines, int messages);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "Spooled {Readings} readings to disk: {Reason}")]
    private static partial void LogSpooled(ILogger logger, int readings, string reason);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Could not acknowledge a message on {Topic}; the broker will redeliver it")]
    private static partial void LogAckFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Batch writer stopped before draining; {Pending} message(s) left unacknowledged for redelivery")]
    private static partial void LogAbandoned(ILogger logger, int pending);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Error, Message = "The store is down and the spool is full ({Bytes} bytes, Spool:MaxBytes): acknowledgements are held back and the broker keeps the backlog")]
    private static partial void LogSpoolFull(ILogger logger, long bytes);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Information, Message = "Batches are accepted again; acknowledgements resume")]
    private static partial void LogSpoolAccepting(ILogger logger);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Error, Message = "The store is down and the disk refuses the spool's write in {Directory}: acknowledgements are held back and the broker keeps the backlog until the store or the disk takes batches again")]
    private static partial void LogSpoolDiskFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Error, Message = "Points the store refused could not be dead-lettered ({Reason}): acknowledgements are held back until the dead-letter disk takes writes again")]
    private static partial void LogDeadLetterDiskHeld(ILogger logger, string reason);

    [LoggerMessage(EventId = 8300, Level = LogLevel.Error, Message = "The audit trail refuses a batch's readings record: acknowledgements are held back and retried")]
    private static partial void LogAuditFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8301, Level = LogLevel.Information, Message = "The audit trail takes readings records again; acknowledgements resume")]
    private static partial void LogAuditAccepting(ILogger logger);
}
