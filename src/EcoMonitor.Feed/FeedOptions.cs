using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Feed;

/// <summary>Section <c>Feed</c>: the public early-warning feed (docs/feed.md#configuration).</summary>
public sealed class FeedOptions
{
    public const string Section = "Feed";

    /// <summary>CAP <c>sender</c>: globally unique, e.g. based on a domain name; no spaces, commas, '&lt;' or '&amp;'.</summary>
    public string Sender { get; set; } = "ecomonitor@localhost";

    /// <summary>CAP <c>senderName</c> in the English info.</summary>
    public string SenderName { get; set; } = "EcoMonitor";

    /// <summary>CAP <c>senderName</c> in the Chinese info; empty = <see cref="SenderName"/>.</summary>
    public string SenderNameZh { get; set; } = "";

    /// <summary>IANA time zone the CAP times are written in (e.g. <c>Asia/Shanghai</c>, +08:00); empty = the machine's.</summary>
    public string TimeZone { get; set; } = "";

    /// <summary>CAP <c>web</c>: a page for the public with more about the warnings (absolute http(s) URL); empty = none.</summary>
    public string Web { get; set; } = "";

    /// <summary>
    /// The feed's own public address (absolute, e.g. <c>https://env.example.gov.cn</c>) for the Atom
    /// links; empty = the address the request came to (wrong behind a proxy that rewrites the host).
    /// </summary>
    public string PublicUrl { get; set; } = "";

    /// <summary>How long a message of a firing chain is valid; an Update re-announces it <see cref="ReissueBefore"/> earlier.</summary>
    [Range(typeof(TimeSpan), "00:10:00", "7.00:00:00")]
    public TimeSpan Expires { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long before its <c>expires</c> a still-firing chain is re-announced; below <see cref="Expires"/>.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan ReissueBefore { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long the all-clear message is valid.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "1.00:00:00")]
    public TimeSpan AllClearExpires { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an ended chain stays in the index (and its messages on disk) after its all-clear.</summary>
    [Range(typeof(TimeSpan), "00:10:00", "30.00:00:00")]
    public TimeSpan KeepEnded { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Most message files kept in <c>DataDirectory/feed/messages</c> (docs/feed.md#bounds).</summary>
    [Range(100, 1_000_000)]
    public int MaxMessages { get; set; } = 5000;

    /// <summary>Most chains (active and ended) in the index; a new chain beyond it is withheld, counted and logged.</summary>
    [Range(10, 100_000)]
    public int MaxChains { get; set; } = 1000;

    /// <summary>Publish a site without a <see cref="Sites"/> entry, with its id as the area description.</summary>
    public bool ShowSiteIds { get; set; }

    /// <summary>Name the devices (and their count) in the description and parameters.</summary>
    public bool ShowDevices { get; set; }

    /// <summary>Per site id: the public description and geometry of its area.</summary>
    public Dictionary<string, FeedSite> Sites { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The zone <see cref="TimeZone"/> names (validated at start).</summary>
    public TimeZoneInfo Zone() => TimeZone.Length == 0 ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

/// <summary><c>Feed:Sites:{site}</c>: what the public is told about where a site is (docs/feed.md#areas).</summary>
public sealed class FeedSite
{
    /// <summary>CAP <c>areaDesc</c> of the Chinese info (e.g. 城东区东湖街道).</summary>
    public string AreaDescZh { get; set; } = "";

    /// <summary>CAP <c>areaDesc</c> of the English info.</summary>
    public string AreaDescEn { get; set; } = "";

    /// <summary>CAP <c>circle</c>: <c>lat,lon radius_km</c> (WGS 84), e.g. <c>30.52,114.31 2</c>.</summary>
    public string Circle { get; set; } = "";

    /// <summary>CAP <c>polygon</c>: at least four <c>lat,lon</c> pairs separated by spaces, the first equal to the last.</summary>
    public string Polygon { get; set; } = "";

    /// <summary>GB/T 2260 administrative division code (6 digits, or 9 or 12 with the township), CAP geocode <c>ADCODE</c>.</summary>
    public string Adcode { get; set; } = "";
}

internal sealed partial class FeedOptionsValidator : IValidateOptions<FeedOptions>
{
    public ValidateOptionsResult Validate(string? name, FeedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.Sender.Length is 0 or > 200 || !CapToken().IsMatch(options.Sender))
        {
            problems.Add("Feed:Sender must be 1–200 characters without spaces, commas, '<' or '&' (CAP sender), e.g. ecomonitor@env.example.gov.cn");
        }

        if (string.IsNullOrWhiteSpace(options.SenderName) || options.SenderName.Length > 100 || options.SenderNameZh.Length > 100)
        {
            problems.Add("Feed:SenderName must have 1 to 100 characters (Feed:SenderNameZh at most 100)");
        }

        if (options.TimeZone.Length > 0 && !TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            problems.Add($"Feed:TimeZone '{options.TimeZone}' is not a time zone this machine knows");
        }

        CheckUrl(options.Web, "Feed:Web", problems);
        CheckUrl(options.PublicUrl, "Feed:PublicUrl", problems);
        if (options.ReissueBefore >= options.Expires)
        {
            problems.Add("Feed:ReissueBefore must be shorter than Feed:Expires");
        }

        if (options.MaxChains > options.MaxMessages)
        {
            problems.Add("Feed:MaxChains must not be above Feed:MaxMessages (every chain keeps its newest message)");
        }

        foreach (var (site, area) in options.Sites)
        {
            var where = $"Feed:Sites:{site}";
            if (area is null)
            {
                continue;
            }

            if (area.AreaDescZh.Length > 200 || area.AreaDescEn.Length > 200 || (area.AreaDescZh.Length == 0 && area.AreaDescEn.Length == 0))
            {
                problems.Add($"{where}: AreaDescZh or AreaDescEn is required (at most 200 characters each)");
            }

            if (area.Circle.Length > 0 && !IsCircle(area.Circle))
            {
                problems.Add($"{where}:Circle '{area.Circle}' is not 'lat,lon radius_km' (latitude −90…90, longitude −180…180, radius above 0)");
            }

            if (area.Polygon.Length > 0 && !IsPolygon(area.Polygon))
            {
                problems.Add($"{where}:Polygon must be at least four 'lat,lon' pairs separated by spaces, the first equal to the last");
            }

            if (area.Adcode.Length > 0 && !Adcode().IsMatch(area.Adcode))
            {
                problems.Add($"{where}:Adcode '{area.Adcode}' is not a GB/T 2260 code (6, 9 or 12 digits)");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    internal static bool IsCircle(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 && IsPoint(parts[0]) && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var radius) && radius > 0 && double.IsFinite(radius);
    }

    internal static bool IsPolygon(string text)
    {
        var points = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return points.Length is >= 4 and <= 1000 && points.All(IsPoint) && points[0] == points[^1];
    }

    private static bool IsPoint(string text)
    {
        var parts = text.Split(',');
        return parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var lat) && lat is >= -90 and <= 90
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var lon) && lon is >= -180 and <= 180;
    }

    private static void CheckUrl(string url, string key, List<string> problems)
    {
        if (url.Length > 0 && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            problems.Add($"{key} must be an absolute http(s) URL");
        }
    }

    [GeneratedRegex(@"^[^\s,<&\p{Cc}]+$")]
    private static partial Regex CapToken();

    [GeneratedRegex(@"^(\d{6}|\d{9}|\d{12})$")]
    private static partial Regex Adcode();
}

[OptionsValidator]
internal sealed partial class FeedOptionsRangeValidator : IValidateOptions<FeedOptions>;
