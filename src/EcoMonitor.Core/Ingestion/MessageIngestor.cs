using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Validation;

namespace EcoMonitor.Core.Ingestion;

/// <summary>
/// Decode, then validate: the pure part of ingestion, shared by the service and the
/// <c>decode</c> command so that both give the same verdict on the same bytes.
/// </summary>
public sealed class MessageIngestor(PayloadFormats formats, ReadingValidator validator, DecoderLimits limits)
{
    public IngestResult Ingest(IncomingMessage message, string format)
    {
        ArgumentNullException.ThrowIfNull(message);

        if (message.Payload.Length > limits.MaxPayloadBytes)
        {
            return Refused(format, RejectionCodes.PayloadTooLarge, $"payload has {message.Payload.Length} bytes; the limit is {limits.MaxPayloadBytes}");
        }

        if (!formats.TryGet(format, out var decoder))
        {
            return Refused(format, RejectionCodes.UnknownFormat, $"format '{format}' is not one of: auto, {string.Join(", ", formats.Names)}");
        }

        var decoded = decoder.Decode(message, limits);
        var accepted = new List<Reading>(decoded.Readings.Count);
        var rejections = decoded.Rejections;
        var receiveTimeStamped = 0;
        foreach (var candidate in decoded.Readings)
        {
            if (validator.TryValidate(candidate, message.ReceivedAt, out var reading, out var rejection))
            {
                accepted.Add(reading);
                if (candidate.Timestamp is null)
                {
                    receiveTimeStamped++;
                }
            }
            else
            {
                rejections.Add(rejection);
            }
        }

        return new IngestResult(decoder.Format, accepted, rejections, receiveTimeStamped);
    }

    private static IngestResult Refused(string format, string code, string reason) =>
        new(format, [], [new Rejection(code, reason)], 0);
}
