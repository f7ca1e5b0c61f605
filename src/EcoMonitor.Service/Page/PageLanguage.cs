using Microsoft.Net.Http.Headers;

namespace EcoMonitor.Service.Page;

/// <summary>
/// Which language a request gets: <c>?lang=zh|en</c> (which also sets the cookie), then the
/// cookie, then <c>Accept-Language</c>, then Chinese (docs/page.md#language).
/// </summary>
public static class PageLanguage
{
    public const string Cookie = "ecomonitor-lang";
    public const string Query = "lang";

    public static PageText Resolve(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (Known(http.Request.Query[Query].ToString()) is { } fromQuery)
        {
            // Remembered for the next pages and the fragments htmx asks for.
            http.Response.Cookies.Append(Cookie, fromQuery, new CookieOptions { HttpOnly = true, SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax, IsEssential = true, MaxAge = TimeSpan.FromDays(365), Secure = http.Request.IsHttps });
            return PageText.Of(fromQuery);
        }

        if (Known(http.Request.Cookies[Cookie]) is { } fromCookie)
        {
            return PageText.Of(fromCookie);
        }

        return FromAcceptLanguage(http.Request.Headers.AcceptLanguage.ToString());
    }

    /// <summary>The first of <c>zh*</c> or <c>en*</c> by quality; Chinese when neither is asked for.</summary>
    public static PageText FromAcceptLanguage(string header)
    {
        if (StringWithQualityHeaderValue.TryParseList(header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(20).ToList(), out var values))
        {
            foreach (var value in values.OrderByDescending(v => v.Quality ?? 1))
            {
                var tag = value.Value.ToString();
                if (tag.StartsWith("zh", StringComparison.OrdinalIgnoreCase))
                {
                    return PageText.Chinese;
                }

                if (tag.StartsWith("en", StringComparison.OrdinalIgnoreCase))
                {
                    return PageText.English;
                }
            }
        }

        return PageText.Chinese;
    }

    private static string? Known(string? value) => value is PageText.Zh or PageText.En ? value : null;
}
