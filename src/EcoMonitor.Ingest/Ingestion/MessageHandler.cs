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
/// The observers (the alert engine, the sensor directory) see the readings again; observing the
/// same reading twice changes nothing. Node status messages (docs/mqtt.md#node-status) take
/// <see cref="HandleStatusAsync"/>: refused with a reason like any other input, or handed to the
/// <see cref="INodeStatusObserver"/>s, then acknowledged in their turn through the queue.
/// </remarks>
internal sealed partial class MessageHandler(
    MessageIngestor ingestor,
    IDeadLetterSink deadLetters,
    IngestQueue queue,
    DuplicateTracker duplicates,
    IEnumerable<IAcceptedReadingsObserver> observers,
    IEnumerable<INodeStatusObserver> statusObservers,
    IngestMetrics metrics,
    ILogger<MessageHandler> logger)
{
    /// <summary>The format named in a status message's dead-letter record.</summary>
    public const string StatusFormat = "status";

    private readonly IAcceptedReadingsObserver[] _observers = [.. observers];
    private readonly INodeStatusObserver[] _statusObservers = [.. statusObservers];

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
        var lines = await ObserveAsync(result.Accepted, cancellationToken);
        await queue.EnqueueAsync(new IngestEnvelope(message.Topic, result.Accepted, acknowledge, lines, message.ReceivedAt), cancellationToken);
    }

    /// <summary>
    /// Handles one node status message (its topic is <see cref="NodeStatusTopic.IsStatusTopic"/>):
    /// a malformed one is dead-lettered and counted, a good one is handed to the status observers;
    /// either is acknowledged through the queue, in the order messages arrived.
    /// </summary>
    public async Task HandleStatusAsync(IncomingMessage message, bool retained, Func<CancellationToken, Task> acknowledge, HandlingProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(progress);
        if (!progress.Recorded)
        {
            metrics.MessagesReceived.Inc();
            if (NodeStatusTopic.TryParse(message.Topic, message.Payload.Span, out var address, out var announced, out var rejection))
            {
                var status = new NodeStatus(address, announced, message.ReceivedAt, retained);
                foreach (var observer in _statusObservers)
                {
                    observer.Observe(status);
                }

                metrics.StatusMessages.WithLabels(announced ?? "cleared").Inc();
            }
            else
            {
                progress.Result = new IngestResult(StatusFormat, [], [rejection], 0);
                await deadLetters.WriteAsync(message, progress.Result, cancellationToken);
                metrics.DeadLettered.Inc();
                metrics.Rejections.WithLabels(rejection.Code).Inc();
                metrics.StatusMessages.WithLabels("rejected").Inc();
                LogStatusRefused(logger, message.Topic, rejection.Code);
            }

            progress.Recorded = true;
        }

        await queue.EnqueueAsync(new IngestEnvelope(message.Topic, [], acknowledge, [], message.ReceivedAt), cancellationToken);
    }

    /// <summary>Every observer sees the readings; their points are stored with the message.</summary>
    private async ValueTask<IReadOnlyList<string>> ObserveAsync(IReadOnlyList<Core.Readings.Reading> accepted, CancellationToken cancellationToken)
    {
        List<string>? lines = null;
        foreach (var observer in _observers)
        {
            var found = await observer.ObserveAsync(accepted, cancellationToken);
            if (found.Count > 0)
            {
                (lines ??= []).AddRange(found);
            }
        }

        return lines ?? (IReadOnlyList<string>)[];
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Decoding a message on {Topic} failed unexpectedly; it is dead-lettered")]
    private static partial void LogDecoderFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(EventId = 7840, Level = LogLevel.Debug, Message = "A status message on {Topic} was refused ({Code}); it is dead-lettered")]
    private static partial void LogStatusRefused(ILogger logger, string topic, string code);
}

/// <summary>What the handling of one delivery has done so far (see <see cref="MessageHandler"/>).</summary>
internal sealed class HandlingProgress
{
    /// <summary>The decoded message, once decoded (and counted as received).</summary>
    internal IngestResult? Result { get; set; }

    /// <summary>The dead letter (if any) is durable and the message's counts are taken.</summary>
    internal bool Recorded { get; set; }
}
