using System.Buffers;
using System.Globalization;
using System.Text.Json;
using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Signals;

namespace EcoMonitor.FirmwareSim.Load;

/// <summary>One device of the load generator: its identity, topic and metrics, computed once.</summary>
internal sealed class LoadDevice(NodeIdentity identity)
{
    public NodeIdentity Identity { get; } = identity;

    public string Topic { get; } = identity.Topic;

    public IReadOnlyList<SimulatedMetric> Metrics { get; } = FleetCatalog.MetricsOf(identity.Kind);

    /// <summary>
    /// The devices of a load run: the fleet's own layout, or <paramref name="count"/> devices dealt
    /// round robin over the layout's sites and then the three kinds (device <c>j</c> at site
    /// <c>j mod S</c>, kind <c>(j / S) mod 3</c>), numbered per site and kind like the fleet's nodes.
    /// </summary>
    public static LoadDevice[] Layout(FleetOptions fleet, int? count)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        if (count is not { } devices)
        {
            return [.. NodeIdentity.Layout(fleet).Select(node => new LoadDevice(node))];
        }

        var sites = fleet.EffectiveLayout().Select(site => site.Name).ToArray();
        var kinds = FleetCatalog.Kinds;
        var perSiteAndKind = (devices + (sites.Length * kinds.Count) - 1) / (sites.Length * kinds.Count);
        var digits = Math.Max(2, perSiteAndKind.ToString(CultureInfo.InvariantCulture).Length);
        var format = "D" + digits.ToString(CultureInfo.InvariantCulture);
        var layout = new LoadDevice[devices];
        for (var j = 0; j < devices; j++)
        {
            var site = sites[j % sites.Length];
            var kind = kinds[(j / sites.Length) % kinds.Count];
            var device = kind + "-" + ((j / (sites.Length * kinds.Count)) + 1).ToString(format, CultureInfo.InvariantCulture);
            layout[j] = new LoadDevice(new NodeIdentity(j, site, kind, device, $"{fleet.ClientIdPrefix}-{site}-{device}"));
        }

        return layout;
    }
}

/// <summary>
/// Native payloads (docs/mqtt.md#native-payload) for the load generator. With up to a kind's metric count of readings a
/// message is one record, <c>{"ts","seq","readings":{…}}</c>, carrying the first K metrics; with more it
/// is an array of records, each with all metrics but the last, spread evenly over the
/// <paramref name="devicePeriod"/> before the message (a node uploading what it sampled since its last
/// message). Values come from the fleet's <see cref="SignalModel"/>, episodes included. Not thread-safe:
/// the generator writes from its one dispatch loop and reuses the buffer.
/// </summary>
internal sealed class LoadMessageWriter(SignalModel model, int? readingsPerMessage, TimeSpan devicePeriod)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private Utf8JsonWriter? _writer;

    /// <summary>Readings in a message of a device of <paramref name="kind"/>.</summary>
    public int ReadingsOf(LoadDevice device) => readingsPerMessage ?? device.Metrics.Count;

    /// <summary>The payload of <paramref name="device"/>'s message number <paramref name="seq"/> (from 1) at <paramref name="time"/>.</summary>
    public byte[] Write(LoadDevice device, long seq, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(device);
        var metrics = device.Metrics;
        var readings = ReadingsOf(device);
        var records = (readings + metrics.Count - 1) / metrics.Count;
        _buffer.ResetWrittenCount();
        var writer = _writer ??= new Utf8JsonWriter(_buffer);
        writer.Reset(_buffer);
        if (records > 1)
        {
            writer.WriteStartArray();
        }

        var spacing = devicePeriod / records;
        for (var r = 0; r < records; r++)
        {
            var ts = DateTimeOffset.FromUnixTimeMilliseconds((time - (spacing * (records - 1 - r))).ToUnixTimeMilliseconds());
            writer.WriteStartObject();
            WriteTimestamp(writer, ts);
            // Records count the device's samples, messages count its messages: both from 1, never repeating.
            writer.WriteNumber("seq", ((seq - 1) * records) + r + 1);
            writer.WriteStartObject("readings");
            var inRecord = Math.Min(metrics.Count, readings - (r * metrics.Count));
            for (var m = 0; m < inRecord; m++)
            {
                var identity = device.Identity;
                writer.WriteNumber(metrics[m].Name, model.Value(identity.Site, identity.Kind, identity.Device, metrics[m].Name, ts));
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        if (records > 1)
        {
            writer.WriteEndArray();
        }

        writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    private static void WriteTimestamp(Utf8JsonWriter writer, DateTimeOffset ts)
    {
        Span<byte> text = stackalloc byte[32];
        if (!ts.UtcDateTime.TryFormat(text, out var length, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A timestamp did not fit its buffer.");
        }

        writer.WriteString("ts", text[..length]);
    }
}
