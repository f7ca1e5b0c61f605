namespace EcoMonitor.Core.Decoding;

/// <summary>A message as it came off the broker: topic, raw payload and when we received it.</summary>
public sealed record IncomingMessage(string Topic, ReadOnlyMemory<byte> Payload, DateTimeOffset ReceivedAt);
