using System.ComponentModel.DataAnnotations;
using EcoMonitor.Core.Alerting.AirQuality;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Sensors;

/// <summary>Section <c>Sensors</c>: the sensor directory (docs/sensors.md#configuration).</summary>
public sealed class SensorOptions
{
    public const string Section = "Sensors";

    /// <summary>
    /// Without a reading for this long a device is <c>stale</c>, unless a deadman rule of the
    /// rules file matches it: then the rule's silence is used (docs/sensors.md#status).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Without a reading for this long (and at least the stale interval) a device is <c>offline</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A device silent this long (no reading, no status) leaves the directory.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The AQI standard of every site without its own (<c>hj633-2026</c>, <c>hj633-2012</c>, <c>epa-2024</c>).</summary>
    [Required]
    public string AqiStandard { get; set; } = AqiStandards.Hj633_2026Name;

    /// <summary>Per site: its AQI standard, water body and soil land use.</summary>
    public Dictionary<string, SensorSiteOptions> Sites { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Devices kept; a new device beyond it is refused (counted, logged), the known ones stay (docs/sensors.md#bounds).</summary>
    [Range(1, 1_000_000)]
    public int MaxDevices { get; set; } = 10_000;

    /// <summary>Metrics kept per device; a new metric beyond it is refused (counted).</summary>
    [Range(1, 1024)]
    public int MaxMetricsPerDevice { get; set; } = 64;

    /// <summary>How often statuses are re-evaluated by age (a change bumps the version the page follows).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the directory is saved to <c>DataDirectory/state/sensors.json</c> when it changed; also on a graceful stop.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SaveInterval { get; set; } = TimeSpan.FromMinutes(1);

    public AqiStandard StandardOf(string site) =>
        AqiStandards.TryParse(Sites.GetValueOrDefault(site)?.AqiStandard ?? AqiStandard, out var standard) ? standard : Core.Alerting.AirQuality.AqiStandard.Hj633_2026;

    public bool IsLake(string site) => string.Equals(Sites.GetValueOrDefault(site)?.WaterBody, SensorSiteOptions.Lake, StringComparison.OrdinalIgnoreCase);

    public bool IsPaddy(string site) => string.Equals(Sites.GetValueOrDefault(site)?.SoilLandUse, SensorSiteOptions.Paddy, StringComparison.OrdinalIgnoreCase);
}

/// <summary><c>Sensors:Sites:{site}</c>.</summary>
public sealed class SensorSiteOptions
{
    public const string River = "river";
    public const string Lake = "lake";
    public const string Other = "other";
    public const string Paddy = "paddy";

    /// <summary>Overrides <see cref="SensorOptions.AqiStandard"/> for the site.</summary>
    public string? AqiStandard { get; set; }

    /// <summary>GB 3838 column: <c>river</c> (default) or <c>lake</c> (lakes and reservoirs: their TP limits, and TN).</summary>
    public string? WaterBody { get; set; }

    /// <summary>GB 15618 land use: <c>other</c> (default) or <c>paddy</c>.</summary>
    public string? SoilLandUse { get; set; }
}

/// <summary>The ranges, and what they cannot say: known standards and words, offline after stale.</summary>
internal sealed class SensorOptionsValidator : IValidateOptions<SensorOptions>
{
    private readonly SensorOptionsRangesValidator _ranges = new();

    public ValidateOptionsResult Validate(string? name, SensorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (_ranges.Validate(name, options) is { Failed: true } ranges)
        {
            problems.AddRange(ranges.Failures);
        }

        if (options.OfflineAfter <= options.StaleAfter)
        {
            problems.Add($"Sensors:OfflineAfter ({options.OfflineAfter}) must be longer than Sensors:StaleAfter ({options.StaleAfter})");
        }

        if (!AqiStandards.TryParse(options.AqiStandard, out _))
        {
            problems.Add($"Sensors:AqiStandard '{options.AqiStandard}' is not one of {string.Join(", ", AqiStandards.Names)}");
        }

        foreach (var (site, siteOptions) in options.Sites)
        {
            if (siteOptions.AqiStandard is { } standard && !AqiStandards.TryParse(standard, out _))
            {
                problems.Add($"Sensors:Sites:{site}:AqiStandard '{standard}' is not one of {string.Join(", ", AqiStandards.Names)}");
            }

            if (siteOptions.WaterBody is { } body && !body.Equals(SensorSiteOptions.River, StringComparison.OrdinalIgnoreCase) && !body.Equals(SensorSiteOptions.Lake, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"Sensors:Sites:{site}:WaterBody '{body}' is not river or lake");
            }

            if (siteOptions.SoilLandUse is { } use && !use.Equals(SensorSiteOptions.Other, StringComparison.OrdinalIgnoreCase) && !use.Equals(SensorSiteOptions.Paddy, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"Sensors:Sites:{site}:SoilLandUse '{use}' is not other or paddy");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

[OptionsValidator]
internal sealed partial class SensorOptionsRangesValidator : IValidateOptions<SensorOptions>;
