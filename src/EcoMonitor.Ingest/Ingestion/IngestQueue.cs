using System.Threading.Channels;
using EcoMonitor.Ingest.Observability;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Ingestion;

/// <summary>
/// The bounded queue between the MQTT consumer and the batch writer. When it is full the
/// consumer waits, the broker stops sending (receive maximum), and memory stays bounded.
/// </summary>
public sealed class IngestQueue
{
    private readonly Channel<IngestEnvelope> _channel;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IngestQueue(IOptions<IngestOptions> options, IngestMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        _channel = Channel.CreateBounded<IngestEnvelope>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });

        // Read at scrape time rather than tracked on every move.
        metrics.Registry.AddBeforeCollectCallback(() => metrics.QueueDepth.Set(_channel.Reader.Count));
    }

    public ChannelReader<IngestEnvelope> Reader => _channel.Reader;

    public ValueTask EnqueueAsync(IngestEnvelope envelope, CancellationToken cancellationToken) =>
        _channel.Writer.WriteAsync(envelope, cancellationToken);

    /// <summary>No more messages will come: lets the writer drain and stop.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>Completes when the writer has stopped: everything taken off the queue is stored or spooled and acknowledged.</summary>
    public Task Drained => _drained.Task;

    public void MarkDrained() => _drained.TrySetResult();
}
