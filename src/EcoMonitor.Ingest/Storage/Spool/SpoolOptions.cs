using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Storage.Spool;

/// <summary>The disk spool that holds readings while the store is down (section <c>Spool</c>).</summary>
internal sealed class SpoolOptions
{
    public const string Section = "Spool";

    /// <summary>
    /// Disk bound of all segments. When it is reached the service stops acknowledging: the
    /// broker holds the backlog. Nothing is dropped.
    /// </summary>
    [Range(1024L, long.MaxValue)]
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>A segment is closed for replay when it reaches this size.</summary>
    [Range(1024, 1 << 30)]
    public int SegmentBytes { get; set; } = 16 << 20;

    /// <summary>While the spool is full, how often the writer tries the store and the spool again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan FullRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the replayer looks at the spool when it has nothing to do.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ReplayPollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

[OptionsValidator]
internal sealed partial class SpoolOptionsValidator : IValidateOptions<SpoolOptions>;
