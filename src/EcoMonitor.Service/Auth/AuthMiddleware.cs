using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;

namespace EcoMonitor.Service.Auth;

/// <summary>The authentication, authorization and antiforgery steps of the pipeline, in their order (docs/auth.md#policies).</summary>
public static class AuthMiddleware
{
    // One guarded copy per endpoint, so the authorization middleware's policy cache sees stable endpoints.
    private static readonly ConditionalWeakTable<Endpoint, Endpoint> Guarded = [];

    public static WebApplication UseEcoMonitorAuth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Created now, so /metrics shows every refusal reason at zero before the first refusal.
        app.Services.GetRequiredService<AuthMetrics>();
        app.UseAuthentication();
        app.Use(ViewByDefaultOnApi);
        app.UseAuthorization();
        app.UseAntiforgery();
        app.Use(RefuseFailedAntiforgery);
        return app;
    }

    /// <summary>
    /// Every endpoint under <c>/api</c> that says nothing of authorization needs <see cref="AuthPolicies.View"/>:
    /// a new endpoint is covered without its author doing anything (docs/auth.md#policies).
    /// </summary>
    private static Task ViewByDefaultOnApi(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint() is { } endpoint && Refuser.IsApi(context)
            && endpoint.Metadata.GetMetadata<IAuthorizeData>() is null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null)
        {
            context.SetEndpoint(Guarded.GetValue(endpoint, WithView));
        }

        return next(context);
    }

    private static Endpoint WithView(Endpoint endpoint)
    {
        var metadata = new EndpointMetadataCollection([.. endpoint.Metadata, new AuthorizeAttribute(AuthPolicies.View)]);
        return endpoint is RouteEndpoint route
            ? new RouteEndpoint(route.RequestDelegate!, route.RoutePattern, route.Order, metadata, route.DisplayName)
            : new Endpoint(endpoint.RequestDelegate, metadata, endpoint.DisplayName);
    }

    /// <summary>A form endpoint whose antiforgery token failed: refused with the reason (403), counted, instead of a bare 400.</summary>
    private static async Task RefuseFailedAntiforgery(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false })
        {
            var refuser = context.RequestServices.GetRequiredService<Refuser>();
            await refuser.Refuse(context, StatusCodes.Status403Forbidden, AuthRefusals.Antiforgery, "the form's antiforgery token is missing or stale; reload the page and try again").ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}
