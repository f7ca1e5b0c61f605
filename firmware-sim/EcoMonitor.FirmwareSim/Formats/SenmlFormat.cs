using System.Collections.Frozen;
using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Formats;

/// <summary>
/// SenML JSON packs (RFC 8428) on <c>senml/{site}/{kind}/{device}</c>, one record per metric:
/// <c>[{"bn":"air-01:","bt":1795852800.123,"n":"pm25","u":"ug/m3","v":21.9},{"n":"pm10","u":"ug/m3","v":33.1},…]</c>.
/// </summary>
/// <remarks>
/// <para>Name: base name <c>{device}:</c> plus the catalog metric, so the resolved name <c>air-01:pm25</c> gives
/// device <c>air-01</c> and metric <c>pm25</c> (docs/formats.md#senml--rfc-8428: the metric is the part after the last <c>:</c>, the part
/// before names the device). Base time: Unix seconds with milliseconds (always ≥ 2^28, so absolute). No
/// <c>bver</c> (10 is the default) and no sequence number: SenML has none.</para>
/// <para>Units: the SenML registered symbol where one means the catalog unit (<c>Cel</c>, <c>%RH</c>, <c>pH</c>,
/// <c>%</c> for volumetric water content; <c>ug/m3</c> and <c>hPa</c> from RFC 8798), else the catalog unit in
/// ASCII (<c>mg/L</c>, <c>uS/cm</c>, <c>NTU</c>), which the service converts as the identity.</para>
/// <para>Faults: a wrong unit is the temperature labelled <c>%RH</c> (a copy-paste slip in the firmware's record
/// table), which no conversion turns into °C (<c>unknown-unit</c>); a node posing as another writes the sibling's
/// device in <c>bn</c> while publishing on its own topic (<c>identity-mismatch</c>).</para>
/// </remarks>
public sealed class SenmlFormat : IMessageFormat
{
    /// <summary>The unit of a <see cref="FaultKind.WrongUnit"/> record: a real unit, of another quantity.</summary>
    public const string WrongUnitLabel = "%RH";

    private static readonly FrozenDictionary<string, string> Units = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["µg/m³"] = "ug/m3",
        ["°C"] = "Cel",
        ["%RH"] = "%RH",
        ["hPa"] = "hPa",
        ["pH"] = "pH",
        ["mg/L"] = "mg/L",
        ["µS/cm"] = "uS/cm",
        ["NTU"] = "NTU",
        ["% VWC"] = "%",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static SenmlFormat Instance { get; } = new();

    public PayloadFormat Format => PayloadFormat.Senml;

    public bool Serves(string kind) => true;

    public string Topic(NodeIdentity node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return $"senml/{node.Site}/{node.Kind}/{node.Device}";
    }

    public IReadOnlyList<SimulatedMetric> Metrics(string kind) => FleetCatalog.MetricsOf(kind);

    public bool CanCarry(FaultKind fault) => true;

    public WireReading WrongUnit(string kind, Func<string, double> valueOf)
    {
        ArgumentNullException.ThrowIfNull(valueOf);
        return new WireReading("temperature", valueOf("temperature"), Unit: WrongUnitLabel);
    }

    /// <summary>The SenML unit symbol the simulator writes for a catalog unit.</summary>
    public static string UnitSymbol(string catalogUnit) =>
        Units.TryGetValue(catalogUnit, out var symbol) ? symbol : throw new ArgumentOutOfRangeException(nameof(catalogUnit), catalogUnit, "No SenML unit for this catalog unit.");

    public byte[] Write(WireMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var kind = message.Node.Kind;
        var metrics = FleetCatalog.MetricsOf(kind);
        var seconds = message.Timestamp.ToUnixTimeMilliseconds() / 1000.0;
        return Wire.Json(writer =>
        {
            writer.WriteStartArray();
            var first = true;
            foreach (var reading in message.Readings)
            {
                writer.WriteStartObject();
                if (first)
                {
                    writer.WriteString("bn", message.Claimed.Device + ":");
                    writer.WriteNumber("bt", seconds);
                    first = false;
                }

                writer.WriteString("n", reading.Metric);

                // An unknown metric (a fault) has no unit: nothing in the catalog says what it would be.
                var unit = reading.Unit ?? CatalogUnitOf(metrics, reading.Metric);
                if (unit is not null)
                {
                    writer.WriteString("u", unit);
                }

                if (reading.Text is { } text)
                {
                    writer.WriteString("v", text);
                }
                else
                {
                    writer.WriteNumber("v", reading.Value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        });
    }

    private static string? CatalogUnitOf(IReadOnlyList<SimulatedMetric> metrics, string metric)
    {
        foreach (var candidate in metrics)
        {
            if (candidate.Name == metric)
            {
                return UnitSymbol(candidate.Unit);
            }
        }

        return null;
    }
}
