using System.Text;
using System.Text.Encodings.Web;

namespace EcoMonitor.Service.Page;

/// <summary>Who is looking: their name, whether they may act, and whether a login exists to offer.</summary>
public sealed record PageUser(string? Name, bool CanAct)
{
    public bool IsAnonymous => Name is null;
}

/// <summary>The antiforgery field every form of the page carries.</summary>
public sealed record AntiforgeryField(string Name, string Value);

/// <summary>
/// The filters of the views, from the URL query (docs/page.md#filters). Only known values are
/// kept, so a link built from them never carries what a visitor typed.
/// </summary>
public sealed record PageFilters(string? Severity = null, string? Ack = null, string? Silenced = null, string? Site = null, string? Status = null, string? State = null)
{
    public const int MaxSiteLength = 64;

    public bool Any => Severity is not null || Ack is not null || Silenced is not null || Site is not null || Status is not null || State is not null;

    public static PageFilters Of(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        string? One(string key, params string[] allowed) => query[key].ToString() is var v && allowed.Contains(v, StringComparer.Ordinal) ? v : null;
        var site = query["site"].ToString();
        return new PageFilters(
            One("severity", "critical", "warning", "info"),
            One("ack", "no", "yes"),
            One("silenced", "yes", "no"),
            site.Length is > 0 and <= MaxSiteLength ? site : null,
            One("status", "online", "stale", "offline"),
            One("state", "active", "pending", "expired"));
    }

    /// <summary>The query string (with <c>?</c>, or empty) of these filters.</summary>
    public string Query()
    {
        var pairs = new List<string>();
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                pairs.Add(key + "=" + UrlEncoder.Default.Encode(value));
            }
        }

        Add("severity", Severity);
        Add("ack", Ack);
        Add("silenced", Silenced);
        Add("site", Site);
        Add("status", Status);
        Add("state", State);
        return pairs.Count == 0 ? "" : "?" + string.Join("&", pairs);
    }
}

/// <summary>What every component of one render needs: words, clock, data, user, token, filters.</summary>
public sealed class PageRequest
{
    public required PageText T { get; init; }

    public required StationClock Clock { get; init; }

    public required PageSnapshot Snapshot { get; init; }

    public required UiOptions Options { get; init; }

    public required PageUser User { get; init; }

    public required AntiforgeryField Antiforgery { get; init; }

    public required PageFilters Filters { get; init; }

    /// <summary>The view's path: <c>/</c>, <c>/silences</c>, <c>/sensors</c>, <c>/alerts/{id}</c>, <c>/silences/new</c>.</summary>
    public required string Path { get; init; }

    /// <summary>A message after an action (a key of <see cref="PageText"/>), or null.</summary>
    public string? Done { get; init; }

    /// <summary>Why an action was refused, or null.</summary>
    public string? Error { get; init; }

    /// <summary>The live stream, or null when it is turned off (<c>Ui:MaxLiveClients</c> = 0).</summary>
    public string? LiveUrl { get; init; } = PageRoutes.Events;

    public string PathAndQuery => Path + Filters.Query();

    /// <summary>This view in the other language.</summary>
    public string OtherLanguageHref
    {
        get
        {
            var query = Filters.Query();
            var other = T.IsChinese ? PageText.En : PageText.Zh;
            return Path + (query.Length == 0 ? "?" : query + "&") + PageLanguage.Query + "=" + other;
        }
    }

    /// <summary>The fragment <paramref name="name"/> of this view, with its filters, for htmx to refresh it.</summary>
    public string FragmentHref(string name)
    {
        var query = Filters.Query();
        return PageRoutes.Fragments + "/" + name + (query.Length == 0 ? "?" : query + "&") + "path=" + Uri.EscapeDataString(Path);
    }

    /// <summary>A link to <paramref name="path"/> with one filter set (or cleared, when <paramref name="value"/> is null).</summary>
    public static string FilterHref(string path, string key, string? value)
    {
        var sb = new StringBuilder(path);
        if (value is not null)
        {
            sb.Append('?').Append(key).Append('=').Append(UrlEncoder.Default.Encode(value));
        }

        return sb.ToString();
    }
}

/// <summary>The page's paths (docs/http.md#the-page).</summary>
public static class PageRoutes
{
    public const string Alerts = "/";
    public const string Silences = "/silences";
    public const string NewSilence = "/silences/new";
    public const string Sensors = "/sensors";
    public const string Events = "/ui/events";
    public const string Fragments = "/ui/fragments";
    public const string Palette = "/css/palette.css";

    public static string Alert(string id) => "/alerts/" + Uri.EscapeDataString(id);

    public static string Ack(string id) => "/ui/alerts/" + Uri.EscapeDataString(id) + "/ack";

    public static string Expire(string id) => "/ui/silences/" + Uri.EscapeDataString(id) + "/expire";

    public static string Extend(string id) => "/ui/silences/" + Uri.EscapeDataString(id) + "/extend";

    public const string CreateSilence = "/ui/silences";
}
