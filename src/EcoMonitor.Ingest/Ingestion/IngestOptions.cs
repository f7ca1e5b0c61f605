using System.ComponentModel.DataAnnotations;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Validation;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Ingestion;

/// <summary>Decoding limits, validation rules and batching (section <c>Ingest</c>).</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    [ValidateObjectMembers]
    public DecoderLimits Limits { get; set; } = new();

    [ValidateObjectMembers]
    public ValidationOptions Validation { get; set; } = new();

    /// <summary>Messages waiting between the consumer and the writer; a full queue slows the consumer.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>A batch is written when it holds this many readings…</summary>
    [Range(1, 1_000_000)]
    public int BatchMaxReadings { get; set; } = 5000;

    /// <summary>…or this many messages (keep it below <c>Mqtt:ReceiveMaximum</c>)…</summary>
    [Range(1, 65535)]
    public int BatchMaxMessages { get; set; } = 1000;

    /// <summary>…or when its oldest message has waited this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan BatchMaxAge { get; set; } = TimeSpan.FromMilliseconds(200);
}

[OptionsValidator]
internal sealed partial class IngestOptionsValidator : IValidateOptions<IngestOptions>;
