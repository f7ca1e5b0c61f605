using System.Text.Json;
using EcoMonitor.FirmwareSim.Formats;

namespace EcoMonitor.FirmwareSim.Firmware;

/// <summary>
/// What a node keeps while it cannot publish, oldest first, bounded like a ring buffer in flash: when it
/// is full the oldest message is dropped to make room (recent data is worth more than old), and the
/// caller counts it. Used by one node loop at a time; not thread-safe.
/// </summary>
internal sealed class StoreAndForwardBuffer(int capacity)
{
    private readonly Queue<Entry> _entries = new();

    public int Capacity { get; } = capacity;

    public int Count => _entries.Count;

    /// <summary>Keeps <paramref name="message"/>; returns the message dropped to make room, if any.</summary>
    public SimulatedMessage? Add(SimulatedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Capacity == 0)
        {
            return message;
        }

        var dropped = _entries.Count >= Capacity ? _entries.Dequeue().Message : null;
        _entries.Enqueue(new Entry(message, IsBatchable(message)));
        return dropped;
    }

    /// <summary>
    /// The next replay message: up to <paramref name="maxRecords"/> buffered native messages of one topic
    /// as one JSON array (docs/mqtt.md#native-payload, "a replay batch may be a JSON array of such objects"), each with its
    /// own original <c>ts</c> and <c>seq</c>. A message that cannot share an array — a deliberately bad
    /// one, or one in another payload format — goes alone, unchanged, so a consumer sees every bad
    /// message as a message of its own. Nothing is removed until <see cref="RemoveFirst"/>.
    /// </summary>
    public ReplayBatch NextBatch(int maxRecords)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        var first = _entries.Peek();
        if (!first.Batchable)
        {
            return new ReplayBatch(first.Message.Topic, first.Message.Payload, [first.Message]);
        }

        var messages = _entries
            .TakeWhile(entry => entry.Batchable && entry.Message.Topic == first.Message.Topic)
            .Take(maxRecords)
            .Select(entry => entry.Message)
            .ToArray();
        var length = messages.Sum(message => message.Payload.Length + 1) + 1;
        var payload = new byte[length];
        var at = 0;
        foreach (var message in messages)
        {
            // The objects themselves are copied byte for byte: a replayed record is the record as first made.
            payload[at] = (byte)(at == 0 ? '[' : ',');
            message.Payload.CopyTo(payload, at + 1);
            at += message.Payload.Length + 1;
        }

        payload[at] = (byte)']';
        return new ReplayBatch(first.Message.Topic, payload, messages);
    }

    public void RemoveFirst(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _entries.Dequeue();
        }
    }

    /// <summary>Empties the buffer and returns what was in it, oldest first.</summary>
    public IReadOnlyList<SimulatedMessage> Clear()
    {
        var messages = _entries.Select(entry => entry.Message).ToArray();
        _entries.Clear();
        return messages;
    }

    /// <summary>A good message whose payload is one native readings object (docs/mqtt.md#native-payload).</summary>
    private static bool IsBatchable(SimulatedMessage message)
    {
        if (message.Fault is not null || message.Payload.Length == 0 || message.Payload[0] != (byte)'{')
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(message.Payload);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("readings", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private readonly record struct Entry(SimulatedMessage Message, bool Batchable);
}

/// <summary>One replay message and the buffered messages it carries, oldest first.</summary>
internal sealed record ReplayBatch(string Topic, byte[] Payload, IReadOnlyList<SimulatedMessage> Messages);
