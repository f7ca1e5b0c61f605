using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Storage;

/// <summary>The time-series store (section <c>Influx</c>, docs/schema.md#writing, README.md#configuration).</summary>
internal sealed class InfluxOptions
{
    public const string Section = "Influx";

    /// <summary>The write API: 2 (InfluxDB 2's <c>/api/v2/write</c>) or 1 (InfluxDB 1.x's <c>/write</c>, docs/schema.md#influxdb-1x).</summary>
    [Range(1, 2)]
    public int Version { get; set; } = 2;

    [Required(AllowEmptyStrings = false)]
    [Url]
    public string Url { get; set; } = "http://localhost:8086";

    /// <summary>A secret: never logged.</summary>
    public string? Token { get; set; }

    [Required(AllowEmptyStrings = false)]
    public string Org { get; set; } = "eco";

    /// <summary>The bucket; with <see cref="Version"/> 1 the database.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Bucket { get; set; } = "eco";

    /// <summary>Version 1 only: the retention policy written to; none means the database's default.</summary>
    public string? RetentionPolicy { get; set; }

    /// <summary>Version 1 only: the user (with <see cref="Password"/>), sent as basic authentication.</summary>
    public string? Username { get; set; }

    /// <summary>Version 1 only. A secret: never logged.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// How readings are read back, for corrections and <c>audit verify-readings</c>
    /// (docs/audit.md#verifying-readings): InfluxQl (<c>/query</c>: InfluxDB 1.x, 2.x through its
    /// v1 API, 3.x) or VictoriaMetrics (its export API).
    /// </summary>
    public ReadbackApi ReadApi { get; set; } = ReadbackApi.InfluxQl;

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
internal sealed partial class InfluxOptionsDataValidator : IValidateOptions<InfluxOptions>;

/// <summary>The attributes, and the credentials that only make sense together.</summary>
internal sealed class InfluxOptionsValidator : IValidateOptions<InfluxOptions>
{
    private readonly InfluxOptionsDataValidator _data = new();

    public ValidateOptionsResult Validate(string? name, InfluxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = _data.Validate(name, options);
        if (result.Failed)
        {
            return result;
        }

        if (string.IsNullOrEmpty(options.Username) != string.IsNullOrEmpty(options.Password))
        {
            return ValidateOptionsResult.Fail("Influx:Username and Influx:Password are set together or not at all.");
        }

        if (options.Version == 2 && (!string.IsNullOrEmpty(options.Username) || !string.IsNullOrEmpty(options.RetentionPolicy)))
        {
            return ValidateOptionsResult.Fail("Influx:Username, Influx:Password and Influx:RetentionPolicy apply to Influx:Version 1 only; version 2 authenticates with Influx:Token.");
        }

        if (options.Version == 1 && !string.IsNullOrEmpty(options.Username) && !string.IsNullOrEmpty(options.Token))
        {
            return ValidateOptionsResult.Fail("Influx:Version 1 takes either Influx:Username/Influx:Password or Influx:Token (user:password), not both.");
        }

        return ValidateOptionsResult.Success;
    }
}
