namespace EcoMonitor.Service.Auth;

/// <summary>The roles of <c>Auth:Users</c> and the authorization policies the endpoints name (docs/auth.md).</summary>
public static class AuthPolicies
{
    /// <summary>The cookie scheme of the page.</summary>
    public const string CookieScheme = "ecomonitor";

    public const string ViewerRole = "viewer";
    public const string OfficerRole = "officer";

    /// <summary>Read the page and the read-only API: any logged-in user, or anyone when <c>Ui:AnonymousView</c> is true.</summary>
    public const string View = "view";

    /// <summary>Acknowledge, silence, expire: a logged-in officer (cookie) or the API bearer token.</summary>
    public const string Act = "act";
}
