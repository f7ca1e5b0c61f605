using System.Text.Json.Serialization;

namespace EcoMonitor.FirmwareSim.Firmware;

/// <summary>Source-generated JSON for the summary file: no reflection, camelCase keys.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(FleetSummary))]
public sealed partial class FleetJsonContext : JsonSerializerContext;
