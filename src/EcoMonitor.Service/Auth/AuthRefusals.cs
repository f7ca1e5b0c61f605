namespace EcoMonitor.Service.Auth;

/// <summary>The reasons a request is refused, the <c>reason</c> label of <c>ecomonitor_http_refusals_total</c> and of the problem (docs/auth.md#refusals).</summary>
public static class AuthRefusals
{
    /// <summary>Neither a session cookie nor an Authorization header.</summary>
    public const string NoCredentials = "no-credentials";

    /// <summary>An Authorization header that is not the API token.</summary>
    public const string BadToken = "bad-token";

    /// <summary>A bearer token was sent but the service has none (Api:Token, Api:TokenFile).</summary>
    public const string NoTokenConfigured = "no-token-configured";

    /// <summary>A logged-in viewer asked to act.</summary>
    public const string NotOfficer = "not-officer";

    /// <summary>A login with a wrong name or password.</summary>
    public const string BadLogin = "bad-login";

    /// <summary>A login of a name locked after too many failures.</summary>
    public const string LockedOut = "locked-out";

    /// <summary>A cookie-authenticated POST without a valid antiforgery token.</summary>
    public const string Antiforgery = "antiforgery";

    /// <summary>Too many logins are being checked at once.</summary>
    public const string LoginBusy = "login-busy";

    public static readonly IReadOnlyList<string> All = [NoCredentials, BadToken, NoTokenConfigured, NotOfficer, BadLogin, LockedOut, Antiforgery, LoginBusy];
}

/// <summary>An authentication failure that carries its reason to the refusal (<see cref="RefusalResultHandler"/>).</summary>
internal sealed class AuthRefusalException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
