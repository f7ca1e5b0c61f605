using System.ComponentModel.DataAnnotations;

namespace EcoMonitor.Core.Decoding;

/// <summary>Bounds on what one message may cost to decode (bound as <c>Ingest:Limits</c>).</summary>
public sealed class DecoderLimits
{
    /// <summary>Larger payloads are refused before parsing.</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = 256 * 1024;

    [Range(2, 256)]
    public int MaxJsonDepth { get; set; } = 16;

    [Range(1, 1_000_000)]
    public int MaxReadingsPerMessage { get; set; } = 10_000;
}
