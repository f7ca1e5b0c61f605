using System.Threading.Channels;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Storage;
using EcoMonitor.Service.DeadLetters;
using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Ingestion;
using EcoMonitor.Service.Observability;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Storage;

/// <summary>
/// Takes messages off the queue, writes their readings in batches (by count or age), and
/// acknowledges each message to the broker only after its readings are stored.
/// </summary>
public sealed partial class BatchWriter(
    IngestQueue queue,
    IPointWriter writer,
    StoreWritePipeline pipeline,
    DeadLetterStore deadLetters,
    IOptions<IngestOptions> options,
    IngestMetrics metrics,
    StoreHealth health,
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
            LogStopped(logger, batch.Count + reader.Count);
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
        foreach (var envelope in batch)
        {
            readings.AddRange(envelope.Readings);
        }

        if (readings.Count > 0)
        {
            var lines = LineProtocol.Format(readings).ToList();
            var started = time.GetTimestamp();
            try
            {
                await pipeline.Pipeline.ExecuteAsync(async ct => await writer.WriteAsync(lines, ct), stoppingToken);
                metrics.ReadingsStored.Inc(readings.Count);
                health.RecordSuccess();
            }
            catch (StoreRejectedException ex)
            {
                // The store refused the data itself: retrying cannot help, so the readings are
                // recorded as dead letters (with the store's reason) and the messages acknowledged.
                LogStoreRejected(logger, ex, readings.Count);
                foreach (var envelope in batch.Where(e => e.Readings.Count > 0))
                {
                    await deadLetters.WriteStoreRejectedAsync(envelope.Topic, envelope.Readings, ex.Message, stoppingToken);
                }
            }

            metrics.BatchLatency.Observe(time.GetElapsedTime(started).TotalSeconds);
            LogBatchWritten(logger, readings.Count, lines.Count, batch.Count);
        }

        foreach (var envelope in batch)
        {
            try
            {
                // Not cancelled by shutdown: the readings are stored, so the ack should still leave.
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

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Wrote {Readings} readings as {Lines} points for {Messages} messages")]
    private static partial void LogBatchWritten(ILogger logger, int readings, int lines, int messages);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "The store refused a batch of {Readings} readings; they are dead-lettered")]
    private static partial void LogStoreRejected(ILogger logger, Exception exception, int readings);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Could not acknowledge a message on {Topic}; the broker will redeliver it")]
    private static partial void LogAckFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Batch writer stopped; {Pending} message(s) left unacknowledged for redelivery")]
    private static partial void LogStopped(ILogger logger, int pending);
}
