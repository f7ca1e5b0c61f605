using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.DeadLetters;

/// <summary>The dead-letter store's bounds and its optional copy to MQTT (section <c>DeadLetters</c>).</summary>
internal sealed class DeadLetterOptions
{
    public const string Section = "DeadLetters";

    /// <summary>A file is closed and a new one begun past this size (and at each UTC day).</summary>
    [Range(1024L, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 64L << 20;

    /// <summary>
    /// All files together; past it the oldest files are deleted, with a warning and a counter.
    /// Dead letters are evidence, but an attack of garbage must not fill the disk.
    /// </summary>
    [Range(1024L, long.MaxValue)]
    public long MaxTotalBytes { get; set; } = 1L << 30;

    /// <summary>Also publish each record to <c>{RepublishTopicPrefix}/{code}</c> (QoS 1), for live monitoring.</summary>
    public bool Republish { get; set; }

    [Required(AllowEmptyStrings = false)]
    public string RepublishTopicPrefix { get; set; } = "eco/deadletter";

    /// <summary>
    /// A record keeps at most this many bytes of the payload (with the whole one's size and
    /// SHA-256): a flood of huge payloads must not rotate the legitimate evidence out.
    /// </summary>
    [Range(1024, 16 << 20)]
    public int MaxPayloadBytes { get; set; } = 64 << 10;
}

[OptionsValidator]
internal sealed partial class DeadLetterOptionsValidator : IValidateOptions<DeadLetterOptions>;
