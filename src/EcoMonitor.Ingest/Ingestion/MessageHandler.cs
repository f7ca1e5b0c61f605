using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Ingest.DeadLetters;
using EcoMonitor.Ingest.Observability;

namespace EcoMonitor.Ingest.Ingestion;

/// <summary>
/// One received message: decode and validate it, record what was refused in the dead-letter
/// store, and queue the accepted readings with the message's acknowledgement.
/// </summary>
/// <remarks>
/// A handling that throws may be run again for the same delivery with the same
/// <see cref="HandlingProgress"/>: what the earlier attempt finished (decoding, the dead letter,
/// the counts) is not done again, so a retry neither counts twice nor records a second dead letter.
/// The alert engine sees the readings again; observing the same reading twice changes nothing.
/// </remarks>
internal sealed partial class MessageHandler(
    MessageIngestor ingestor,
    IDeadLetterSink deadLetters,
    IngestQueue queue,
    DuplicateTracker duplicates,
    IAcceptedReadingsObserver alerts,
    IngestMetrics metrics,
    ILogger<MessageHandler> logger)
{
    /// <summary>Handles one delivery; an attempt after a failure passes the <paramref name="progress"/> of the first.</summary>
    public async Task HandleAsync(IncomingMessage message, SubscriptionProfile profile, Func<CancellationToken, Task> acknowledge, HandlingProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Result is not { } result)
        {
            metrics.MessagesReceived.Inc();
            try
            {
                result = ingestor.Ingest(message, profile);
            }
#pragma warning disable CA1031 // A decoder bug must not stop the service: the message is dead-lettered instead.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogDecoderFailed(logger, ex, message.Topic);
                result = new IngestResult(profile.Format, [], [new Rejection(RejectionCodes.InvalidShape, $"decoder failed: {ex.GetType().Name}: {ex.Message}")], 0);
            }

            progress.Result = result;
        }

        if (!progress.Recorded)
        {
            if (result.Rejections.Count > 0)
            {
                // Durable before the acknowledgement can be sent: nothing refused goes unrecorded.
                await deadLetters.WriteAsync(message, result, cancellationToken);
                metrics.DeadLettered.Inc();
                foreach (var rejection in result.Rejections)
                {
                    metrics.Rejections.WithLabels(rejection.Code).Inc();
                }
            }

            metrics.ReadingsAccepted.Inc(result.Accepted.Count);
            metrics.DuplicateReadings.Inc(duplicates.CountRepeats(result.Accepted));
            metrics.ReceiveTimeStamped.Inc(result.ReceiveTimeStamped);
            progress.Recorded = true;
        }

        // Even a wholly refused message goes through the queue, so acknowledgements leave in
        // the order messages arrived.
        var alertLines = await alerts.ObserveAsync(result.Accepted, cancellationToken);
        await queue.EnqueueAsync(new IngestEnvelope(message.Topic, result.Accepted, acknowledge, alertLines), cancellationToken);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Decoding a message on {Topic} failed unexpectedly; it is dead-lettered")]
    private static partial void LogDecoderFailed(ILogger logger, Exception exception, string topic);
}

/// <summary>What the handling of one delivery has done so far (see <see cref="MessageHandler"/>).</summary>
internal sealed class HandlingProgress
{
    /// <summary>The decoded message, once decoded (and counted as received).</summary>
    internal IngestResult? Result { get; set; }

    /// <summary>The dead letter (if any) is durable and the message's counts are taken.</summary>
    internal bool Recorded { get; set; }
}
