using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Storage;

/// <summary>The time-series store (section <c>Influx</c>, docs/schema.md#writing, README.md#configuration).</summary>
internal sealed class InfluxOptions
{
    public const string Section = "Influx";

    [Required(AllowEmptyStrings = false)]
    [Url]
    public string Url { get; set; } = "http://localhost:8086";

    /// <summary>A secret: never logged.</summary>
    public string? Token { get; set; }

    [Required(AllowEmptyStrings = false)]
    public string Org { get; set; } = "eco";

    [Required(AllowEmptyStrings = false)]
    public string Bucket { get; set; } = "eco";

    /// <summary>One write attempt may take this long before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Quick retries of a live batch before it goes to the spool.</summary>
    [Range(1, 100)]
    public int RetryAttempts { get; set; } = 3;

    /// <summary>After repeated failures, live batches go straight to the spool for this long (Polly's circuit breaker takes 0.5 s at least).</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}

[OptionsValidator]
internal sealed partial class InfluxOptionsValidator : IValidateOptions<InfluxOptions>;
