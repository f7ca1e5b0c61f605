using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Formats;

/// <summary>
/// docs/mqtt.md#native-payload: <c>{"ts":"2026-11-28T08:00:00.000Z","seq":1,"readings":{"pm25":21.9,…}}</c> on
/// <c>eco/{site}/{kind}/{device}</c>, every metric of the kind in catalog order and catalog unit.
/// </summary>
/// <remarks>
/// The payload names no device and states no unit, so a node posing as another cannot be seen in it
/// (<see cref="FaultKind.Impersonation"/> is not carried: only broker ACLs can stop that), and a wrong
/// unit is a temperature in kelvin, which lands outside every temperature range (<c>out-of-range</c>).
/// </remarks>
public sealed class NativeFormat : IMessageFormat
{
    public static NativeFormat Instance { get; } = new();

    public PayloadFormat Format => PayloadFormat.Native;

    public bool Serves(string kind) => true;

    public string Topic(NodeIdentity node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Topic;
    }

    public IReadOnlyList<SimulatedMetric> Metrics(string kind) => FleetCatalog.MetricsOf(kind);

    public bool CanCarry(FaultKind fault) => fault != FaultKind.Impersonation;

    /// <summary>The temperature in kelvin where °C is the contract: 4 °C reads 277.15, beyond every catalog maximum.</summary>
    public WireReading WrongUnit(string kind, Func<string, double> valueOf)
    {
        ArgumentNullException.ThrowIfNull(valueOf);
        return new WireReading("temperature", Kelvin(valueOf("temperature")));
    }

    public byte[] Write(WireMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Wire.Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("ts", Wire.Timestamp(message.Timestamp));
            writer.WriteNumber("seq", message.Seq);
            writer.WriteStartObject("readings");
            foreach (var reading in message.Readings)
            {
                if (reading.Text is { } text)
                {
                    writer.WriteString(reading.Metric, text);
                }
                else
                {
                    writer.WriteNumber(reading.Metric, reading.Value);
                }
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    internal static double Kelvin(double celsius) => Math.Round(celsius + 273.15, 2, MidpointRounding.AwayFromZero);
}
