using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace EcoMonitor.Service.Auth;

/// <summary>Answers a refusal: counted by reason, logged at Debug, a problem with its reason (docs/auth.md#refusals).</summary>
internal sealed partial class Refuser(AuthMetrics metrics, ILogger<Refuser> logger)
{
    /// <summary>The problem answer; counts it.</summary>
    public IResult Refuse(HttpContext http, int status, string reason, string detail)
    {
        ArgumentNullException.ThrowIfNull(http);
        Count(http, reason);
        if (status == StatusCodes.Status401Unauthorized && IsApi(http))
        {
            // RFC 9110: a 401 names the scheme that would do.
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"ecomonitor\"";
        }

        return Results.Problem(detail, statusCode: status, title: reason, extensions: new Dictionary<string, object?> { ["reason"] = reason });
    }

    public void Count(HttpContext http, string reason)
    {
        metrics.Refusals.WithLabels(reason).Inc();
        LogRefused(logger, http.Request.Method, http.Request.Path.Value ?? "", reason);
    }

    /// <summary>The JSON API answers refusals; other paths (the page) send the browser to the login form.</summary>
    public static bool IsApi(HttpContext http) => http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(EventId = 7860, Level = LogLevel.Debug, Message = "refused {Method} {Path}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string path, string reason);
}

/// <summary>
/// What the authorization middleware does with a refusal: on <c>/api</c> a 401 or 403 problem with its
/// reason, never a redirect; on the page a redirect to <c>/login?returnUrl=…</c> (for htmx, a 401 with
/// <c>HX-Redirect</c>, so the whole page goes there rather than a fragment).
/// </summary>
internal sealed class RefusalResultHandler(Refuser refuser) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }

        if (authorizeResult.Challenged)
        {
            // The authentication middleware keeps only a success; the handler remembers its failure for the request.
            var failure = (await context.AuthenticateAsync()).Failure as AuthRefusalException;
            if (failure is null && !Refuser.IsApi(context))
            {
                refuser.Count(context, AuthRefusals.NoCredentials);
                var login = LoginEndpoints.LoginUrl(context.Request.PathBase + context.Request.Path + context.Request.QueryString);
                if (context.Request.Headers.ContainsKey("HX-Request"))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers["HX-Redirect"] = login;
                }
                else
                {
                    context.Response.Redirect(login);
                }

                return;
            }

            var (reason, detail) = failure is null
                ? (AuthRefusals.NoCredentials, "log in, or send the API token as 'Authorization: Bearer <token>'")
                : (failure.Reason, failure.Message);
            var status = reason == AuthRefusals.NoTokenConfigured ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
            await refuser.Refuse(context, status, reason, detail).ExecuteAsync(context);
            return;
        }

        var why = authorizeResult.AuthorizationFailure?.FailureReasons.OfType<RefusalReason>().FirstOrDefault();
        await refuser.Refuse(context, StatusCodes.Status403Forbidden, why?.Reason ?? AuthRefusals.NotOfficer, why?.Message ?? "officers only").ExecuteAsync(context);
    }
}
