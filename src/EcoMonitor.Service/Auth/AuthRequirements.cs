using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Auth;

/// <summary>Whether reading needs no login (<c>Ui:AnonymousView</c>), set from the page's options by the registration.</summary>
internal sealed class ViewAccess
{
    public bool Anonymous { get; set; }
}

/// <summary>The <see cref="AuthPolicies.View"/> requirement: any logged-in user, the API token, or anyone when <see cref="ViewAccess.Anonymous"/>.</summary>
internal sealed class ViewRequirement : IAuthorizationRequirement;

/// <summary>The <see cref="AuthPolicies.Act"/> requirement: a logged-in officer (with an antiforgery token) or the API token.</summary>
internal sealed class ActRequirement : IAuthorizationRequirement;

/// <summary>A refusal of the policy with its reason for the answer and the counter.</summary>
internal sealed class RefusalReason(IAuthorizationHandler handler, string reason, string message) : AuthorizationFailureReason(handler, message)
{
    public string Reason { get; } = reason;
}

internal sealed class ViewRequirementHandler(IOptionsMonitor<ViewAccess> access) : AuthorizationHandler<ViewRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ViewRequirement requirement)
    {
        if (access.CurrentValue.Anonymous || context.User.Identities.Any(i => i.IsAuthenticated))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

internal sealed class ActRequirementHandler(IAntiforgery antiforgery) : AuthorizationHandler<ActRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ActRequirement requirement)
    {
        if (context.Resource is not HttpContext http)
        {
            return;
        }

        if (AuthUser.HasToken(http))
        {
            context.Succeed(requirement);
            return;
        }

        if (AuthUser.CookieIdentity(context.User) is null)
        {
            return;
        }

        if (!AuthUser.IsOfficer(http))
        {
            context.Fail(new RefusalReason(this, AuthRefusals.NotOfficer, "officers only: this account may view but not act"));
            return;
        }

        // A form endpoint ([FromForm]) is checked by UseAntiforgery after this; any other write with the
        // cookie (the JSON API) must carry the token in the RequestVerificationToken header (docs/auth.md#csrf).
        var checkedLater = http.GetEndpoint()?.Metadata.GetMetadata<IAntiforgeryMetadata>() is { RequiresValidation: true };
        if (!checkedLater && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
            && !await antiforgery.IsRequestValidAsync(http))
        {
            context.Fail(new RefusalReason(this, AuthRefusals.Antiforgery, "a write with the session cookie needs the antiforgery token (header RequestVerificationToken)"));
            return;
        }

        context.Succeed(requirement);
    }
}
