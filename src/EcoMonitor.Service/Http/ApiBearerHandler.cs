using System.Security.Claims;
using System.Text.Encodings.Web;
using EcoMonitor.Service.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Http;

/// <summary>
/// The <see cref="AuthUser.BearerScheme"/>: <c>Authorization: Bearer &lt;Api:Token&gt;</c>. A header that is not
/// the token fails with its reason (<see cref="AuthRefusalException"/>) rather than passing as anonymous.
/// </summary>
internal sealed class ApiBearerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<ApiOptions> api)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The name the API token acts under; a write with it names its author in the body.</summary>
    public const string TokenName = "api-token";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.ContainsKey("Authorization"))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (api.Value.ResolveToken() is not { } token)
        {
            return Fail(AuthRefusals.NoTokenConfigured, "the API needs a token for this: set Api:Token or Api:TokenFile");
        }

        if (!ApiAuthorization.HasBearer(Request, token))
        {
            return Fail(AuthRefusals.BadToken, "missing or wrong bearer token");
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, TokenName)], AuthUser.BearerScheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), AuthUser.BearerScheme)));
    }

    private static Task<AuthenticateResult> Fail(string reason, string message) =>
        Task.FromResult(AuthenticateResult.Fail(new AuthRefusalException(reason, message)));
}
