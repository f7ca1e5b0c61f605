using EcoMonitor.Core.Readings;

namespace EcoMonitor.Ingest.Ingestion;

/// <summary>
/// Sees every well-formed node status message (<c>eco/{site}/{kind}/{device}/status</c>,
/// docs/mqtt.md#node-status) before it is acknowledged: the port through which the sensor
/// directory learns of Last Wills. It may be called again for the same message when a handling
/// is retried; seeing it twice changes nothing.
/// </summary>
public interface INodeStatusObserver
{
    void Observe(NodeStatus status);
}

/// <summary>What a node announced about itself, and when the service received it.</summary>
/// <param name="Announced"><see cref="NodeStatusTopic.Online"/>, <see cref="NodeStatusTopic.Offline"/>, or null when the retained status was cleared (an empty payload).</param>
/// <param name="Retained">Delivered as a retained message (at subscription), not live.</param>
public sealed record NodeStatus(SensorAddress Address, string? Announced, DateTimeOffset ReceivedAt, bool Retained);
