using System.Threading.Channels;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Storage;
using EcoMonitor.Service.Ingestion;
using EcoMonitor.Service.Observability;
using EcoMonitor.Service.Storage.Spool;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Storage;

/// <summary>
/// Takes messages off the queue, writes their readings in batches (by count or age) to the
/// store, or to the disk spool when the store cannot take them, and only then acknowledges each
/// message to the broker. When the spool is full too, it holds the acknowledgements and tries
/// again: the broker keeps the backlog, nothing is dropped.
/// </summary>
public sealed partial class BatchWriter(
    IngestQueue queue,
    StoreWriter store,
    DiskSpool spool,
    IOptions<IngestOptions> options,
    IOptions<SpoolOptions> spoolOptions,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<BatchWriter> logger) : BackgroundService
{
    private readonly IngestOptions _options = options.Value;

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

            using var timeout = new CancellationTokenSource(remaining, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
            try
            {
                if (!await reader.WaitToReadAsync(linked.Token))
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
            await StoreOrSpoolAsync(lines, readings.Count, stoppingToken);
            metrics.BatchLatency.Observe(time.GetElapsedTime(started).TotalSeconds);
            LogBatchWritten(logger, readings.Count, lines.Count, batch.Count);
        }

        foreach (var envelope in batch)
        {
            try
            {
                // Not cancelled by shutdown: the readings are durable, so the ack should still leave.
                await envelope.Acknowledge(CancellationToken.None);
                metrics.MessagesAcknowledged.Inc();
            }
#pragma warning disable CA1031 // The connection may have dropped since: the broker redelivers, and the rewrite is idempotent.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogAckFailed(logger, ex, envelope.Topic);
            }
        }
    }

    private async Task StoreOrSpoolAsync(List<string> lines, int readings, CancellationToken stoppingToken)
    {
        var full = false;
        while (true)
        {
            try
            {
                await store.WriteAsync(lines, stoppingToken);
                break;
            }
            catch (StoreUnavailableException ex)
            {
                if (spool.TryAppend(lines))
                {
                    metrics.ReadingsSpooled.Inc(readings);
                    LogSpooled(logger, readings, ex.Message);
                    break;
                }
            }

            if (!full)
            {
                full = true;
                metrics.SpoolFull.Set(1);
                LogSpoolFull(logger, spool.Bytes);
            }

            await Task.Delay(spoolOptions.Value.FullRetryInterval, time, stoppingToken);
        }

        if (full)
        {
            metrics.SpoolFull.Set(0);
            LogSpoolAccepting(logger);
        }
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
}
