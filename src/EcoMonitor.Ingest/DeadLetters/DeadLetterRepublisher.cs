using System.Threading.Channels;
using EcoMonitor.Ingest.Observability;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.DeadLetters;

/// <summary>
/// Copies of dead-letter records waiting to be published to MQTT. The file is the record of
/// truth, so when the broker is slow the copies are dropped (and counted) rather than queued
/// without bound.
/// </summary>
internal sealed class DeadLetterRepublisher(IOptions<DeadLetterOptions> options, IngestMetrics metrics)
{
    private readonly Channel<(string Topic, byte[] Record)> _channel = Channel.CreateBounded<(string, byte[])>(
        new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    public bool Enabled { get; } = options.Value.Republish;

    public ChannelReader<(string Topic, byte[] Record)> Reader => _channel.Reader;

    public void Offer(string code, byte[] record)
    {
        if (Enabled && !_channel.Writer.TryWrite(($"{options.Value.RepublishTopicPrefix}/{code}", record)))
        {
            metrics.DeadLetterCopiesDropped.Inc();
        }
    }
}
