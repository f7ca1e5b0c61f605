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
}

internal sealed class UiOptionsValidator : IValidateOptions<UiOptions>
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

        return ValidateOptionsResult.Success;
    }
}
