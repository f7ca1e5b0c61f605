using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Page;

/// <summary>Section <c>Ui</c>: the officers' page (docs/page.md).</summary>
public sealed class UiOptions
{
    public const string Section = "Ui";

    /// <summary>Shown in the header and the title.</summary>
    public string StationName { get; set; } = "EcoMonitor";

    /// <summary>IANA time zone the page shows times in (e.g. <c>Asia/Shanghai</c>); empty = the machine's.</summary>
    public string TimeZone { get; set; } = "";

    /// <summary>The page and the read-only API answer without a login. Off by default.</summary>
    public bool AnonymousView { get; set; }

    /// <summary>Colours of the GB 3838 water class chips, keyed by class 1–6 (6 = 劣Ⅴ); a class left out keeps its default.</summary>
    public Dictionary<string, string> WaterPalette { get; set; } = [];

    /// <summary>Browsers connected to <c>/ui/events</c> at once; one more is refused (503, counted).</summary>
    public int MaxLiveClients { get; set; } = 50;

    /// <summary>How often the live stream compares the alert book, the silences and the sensor directory with what it last sent.</summary>
    public TimeSpan LiveCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the page polls its fragments while the live stream is down (the fallback).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The default palette: Ⅰ #CCFFFF, Ⅱ #00CCFF, Ⅲ #00FF00, Ⅳ #FFFF00, Ⅴ #FF9900, 劣Ⅴ #FF0000.</summary>
    public static IReadOnlyDictionary<int, string> DefaultWaterPalette { get; } = new Dictionary<int, string>
    {
        [1] = "#CCFFFF", [2] = "#00CCFF", [3] = "#00FF00", [4] = "#FFFF00", [5] = "#FF9900", [6] = "#FF0000",
    };

    /// <summary>The palette in force: the defaults with <see cref="WaterPalette"/> laid over them.</summary>
    public IReadOnlyDictionary<int, string> EffectiveWaterPalette() =>
        DefaultWaterPalette.ToDictionary(
            kv => kv.Key,
            kv => WaterPalette.TryGetValue(kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), out var colour) ? colour.ToUpperInvariant() : kv.Value);
}

internal sealed partial class UiOptionsValidator : IValidateOptions<UiOptions>
{
    public ValidateOptionsResult Validate(string? name, UiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.StationName) || options.StationName.Length > 100)
        {
            return ValidateOptionsResult.Fail("Ui:StationName must have 1 to 100 characters.");
        }

        if (options.TimeZone.Length > 0 && !TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            return ValidateOptionsResult.Fail($"Ui:TimeZone '{options.TimeZone}' is not a time zone this machine knows.");
        }

        foreach (var (key, colour) in options.WaterPalette)
        {
            if (key is not ("1" or "2" or "3" or "4" or "5" or "6") || !HexColour().IsMatch(colour ?? ""))
            {
                return ValidateOptionsResult.Fail($"Ui:WaterPalette:{key} must be a class 1–6 with a colour #RRGGBB, not '{colour}'.");
            }
        }

        if (options.MaxLiveClients is < 0 or > 10_000)
        {
            return ValidateOptionsResult.Fail("Ui:MaxLiveClients must be 0 to 10000 (0 turns the live stream off; the page polls).");
        }

        if (options.LiveCheckInterval < TimeSpan.FromMilliseconds(100) || options.LiveCheckInterval > TimeSpan.FromMinutes(1))
        {
            return ValidateOptionsResult.Fail("Ui:LiveCheckInterval must be 100ms to 1min.");
        }

        if (options.PollInterval < TimeSpan.FromSeconds(2) || options.PollInterval > TimeSpan.FromMinutes(10))
        {
            return ValidateOptionsResult.Fail("Ui:PollInterval must be 2s to 10min.");
        }

        return ValidateOptionsResult.Success;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial System.Text.RegularExpressions.Regex HexColour();
}
