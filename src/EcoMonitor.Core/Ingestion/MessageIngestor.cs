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
    public IngestResult Ingest(IncomingMessage message, SubscriptionProfile profile)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(profile);

        if (message.Payload.Length > limits.MaxPayloadBytes)
        {
            return Refused(profile.Format, RejectionCodes.PayloadTooLarge, $"payload has {message.Payload.Length} bytes; the limit is {limits.MaxPayloadBytes}");
        }

        var decoded = formats.Decode(new DecodeContext(message, profile, limits));
        var accepted = new List<Reading>(decoded.Readings.Count);
        var rejections = decoded.Rejections;
        var receiveTimeStamped = 0;
        foreach (var candidate in decoded.Readings)
        {
            if (validator.TryValidate(candidate, message.ReceivedAt, out var reading, out var rejection))
            {
                accepted.Add(reading);
                if (candidate.Timestamp is null || decoded.StampedAtReceipt)
                {
                    receiveTimeStamped++;
                }
            }
            else
            {
                rejections.Add(rejection);
            }
        }

        validator.CheckRecords(accepted, rejections);
        return new IngestResult(decoded.Format ?? profile.Format, accepted, rejections, receiveTimeStamped);
    }

    private static IngestResult Refused(string format, string code, string reason) =>
        new(format, [], [new Rejection(code, reason)], 0);
}
