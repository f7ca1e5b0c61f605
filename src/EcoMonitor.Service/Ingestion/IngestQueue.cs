using System.Threading.Channels;
using EcoMonitor.Service.Observability;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Ingestion;

/// <summary>
/// The bounded queue between the MQTT consumer and the batch writer. When it is full the
/// consumer waits, the broker stops sending (receive maximum), and memory stays bounded.
/// </summary>
public sealed class IngestQueue(IOptions<IngestOptions> options, IngestMetrics metrics)
{
    private readonly Channel<IngestEnvelope> _channel = Channel.CreateBounded<IngestEnvelope>(
        new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });

    public ChannelReader<IngestEnvelope> Reader => _channel.Reader;

    public async ValueTask EnqueueAsync(IngestEnvelope envelope, CancellationToken cancellationToken)
    {
        await _channel.Writer.WriteAsync(envelope, cancellationToken);
        metrics.QueueDepth.Set(_channel.Reader.Count);
    }

    /// <summary>No more messages will come: lets the writer drain and stop.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
