using System.Security.Claims;

namespace EcoMonitor.Service.Auth;

/// <summary>
/// Who a request is (docs/auth.md#for-pages): a logged-in user (cookie, name and role claims) or the
/// API token. Endpoints record <see cref="OfficerName"/> as the author of what an officer does.
/// </summary>
public static class AuthUser
{
    /// <summary>The bearer-token scheme (the API's scripts).</summary>
    public const string BearerScheme = "ecomonitor-bearer";

    /// <summary>The default scheme: the bearer token when an Authorization header is sent, else the cookie.</summary>
    public const string SelectScheme = "ecomonitor-select";

    /// <summary>The claim that ties a session to the account's hash and role (<c>AuthAccount.Stamp</c>).</summary>
    public const string StampClaim = "ecomonitor:stamp";

    /// <summary>The logged-in user's name, or null (anonymous, or the API token).</summary>
    public static string? NameOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return CookieIdentity(context.User)?.Name;
    }

    /// <summary>The logged-in user's role (<see cref="AuthPolicies.ViewerRole"/> or <see cref="AuthPolicies.OfficerRole"/>), or null.</summary>
    public static string? RoleOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return CookieIdentity(context.User)?.FindFirst(ClaimTypes.Role)?.Value;
    }

    /// <summary>A logged-in officer (cookie). The API token is not a person and is not an officer here.</summary>
    public static bool IsOfficer(HttpContext context) => RoleOf(context) == AuthPolicies.OfficerRole;

    /// <summary>The name of the logged-in officer, or null.</summary>
    public static string? OfficerName(HttpContext context) => IsOfficer(context) ? NameOf(context) : null;

    /// <summary>The request bears the API token.</summary>
    public static bool HasToken(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.User.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == BearerScheme);
    }

    internal static ClaimsIdentity? CookieIdentity(ClaimsPrincipal user) =>
        user.Identities.FirstOrDefault(i => i.IsAuthenticated && i.AuthenticationType == AuthPolicies.CookieScheme);

    internal static ClaimsPrincipal Principal(AuthAccount account) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, account.Name), new Claim(ClaimTypes.Role, account.Role), new Claim(StampClaim, account.Stamp)],
            AuthPolicies.CookieScheme,
            ClaimTypes.Name,
            ClaimTypes.Role));
}
