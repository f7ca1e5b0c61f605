using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EcoMonitor.Service.Auth;

/// <summary><c>GET/POST /login</c> and <c>POST /logout</c> (docs/auth.md#login).</summary>
public static class LoginEndpoints
{
    public const string LoginPath = "/login";
    public const string LogoutPath = "/logout";

    /// <summary>A login form is a name, a password, a return address and a token: far below this.</summary>
    public const int MaxFormBytes = 8 * 1024;

    public static WebApplication MapAuthEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(LoginPath, (string? returnUrl) => Form(LocalOrRoot(returnUrl), name: null, error: null, StatusCodes.Status200OK)).AllowAnonymous();

        // Antiforgery is checked inside (not by UseAntiforgery) so that a stale form shows the form again with the reason.
        app.MapPost(LoginPath, (HttpContext http, LoginService login) => login.LoginAsync(http)).AllowAnonymous().DisableAntiforgery();
        app.MapPost(LogoutPath, (HttpContext http, LoginService login) => login.LogoutAsync(http)).AllowAnonymous().DisableAntiforgery();
        return app;
    }

    /// <summary>The login form's address with <paramref name="returnUrl"/> to come back to.</summary>
    public static string LoginUrl(string returnUrl) =>
        returnUrl is "" or "/" ? LoginPath : $"{LoginPath}?returnUrl={Uri.EscapeDataString(returnUrl)}";

    /// <summary><paramref name="url"/> when it is a path on this site, else <c>/</c>: a login never sends the browser elsewhere.</summary>
    public static string LocalOrRoot(string? url)
    {
        // "//host" and "/\host" are other sites to a browser; control characters are never a path of ours.
        if (string.IsNullOrEmpty(url) || url[0] != '/' || url.Length > 2048
            || (url.Length > 1 && (url[1] == '/' || url[1] == '\\'))
            || url.Any(char.IsControl))
        {
            return "/";
        }

        return url;
    }

    internal static IResult Form(string returnUrl, string? name, string? error, int status) =>
        new RazorComponentResult<LoginPage>(new Dictionary<string, object?>
        {
            [nameof(LoginPage.ReturnUrl)] = returnUrl,
            [nameof(LoginPage.Name)] = name,
            [nameof(LoginPage.Error)] = error,
        })
        { StatusCode = status };

    internal static IResult SeeOther(HttpContext http, string location)
    {
        http.Response.Headers.Location = location;
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }
}

/// <summary>Checks a login against the users and the lockout, and starts or ends the session.</summary>
internal sealed partial class LoginService(
    UserDirectory users, LoginThrottle throttle, AuthMetrics metrics, Refuser refuser, IAntiforgery antiforgery, TimeProvider time, ILogger<LoginService> logger)
{
    // Hashing is CPU work by design; a flood of logins must not take every core from the ingest path.
    private readonly SemaphoreSlim _hashing = new(Math.Max(1, Environment.ProcessorCount / 2));
    private static readonly TimeSpan HashingWait = TimeSpan.FromSeconds(10);

    public async Task<IResult> LoginAsync(HttpContext http)
    {
        var (form, problem) = await ReadFormAsync(http);
        if (form is null)
        {
            return problem!;
        }

        var returnUrl = LoginEndpoints.LocalOrRoot(form["returnUrl"].ToString());
        var name = form["name"].ToString().Trim();
        var password = form["password"].ToString();
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            refuser.Count(http, AuthRefusals.Antiforgery);
            return LoginEndpoints.Form(returnUrl, name, "表单已过期，请重试 · The form expired; please try again", StatusCodes.Status403Forbidden);
        }

        if (name.Length == 0 || password.Length == 0)
        {
            refuser.Count(http, AuthRefusals.BadLogin);
            return LoginEndpoints.Form(returnUrl, name, "请输入用户名和密码 · Enter your name and password", StatusCodes.Status401Unauthorized);
        }

        var known = users.Find(name);
        if (throttle.LockedUntil(name) is { } until)
        {
            refuser.Count(http, AuthRefusals.LockedOut);
            var minutes = (int)Math.Ceiling((until - time.GetUtcNow()).TotalMinutes);
            LogLockedAttempt(logger, known?.Name ?? "(unknown name)", Remote(http));
            return LoginEndpoints.Form(returnUrl, name, $"登录失败次数过多，请 {minutes} 分钟后再试 · Too many failed logins; try again in {minutes} min", StatusCodes.Status401Unauthorized);
        }

        if (!await _hashing.WaitAsync(HashingWait, http.RequestAborted))
        {
            refuser.Count(http, AuthRefusals.LoginBusy);
            LogBusy(logger, Remote(http));
            return LoginEndpoints.Form(returnUrl, name, "系统繁忙，请稍后再试 · Too many logins at once; try again shortly", StatusCodes.Status503ServiceUnavailable);
        }

        AuthAccount? account;
        try
        {
            account = users.Verify(name, password);
        }
        finally
        {
            _hashing.Release();
        }

        if (account is null)
        {
            refuser.Count(http, AuthRefusals.BadLogin);

            // An unknown name is not logged: it is often a password typed in the wrong field.
            LogFailed(logger, known?.Name ?? "(unknown name)", Remote(http));
            if (throttle.Failed(name, known is not null) is { } locked)
            {
                metrics.Lockouts.Inc();
                LogLockedOut(logger, known?.Name ?? "(unknown name)", locked, Remote(http));
            }

            return LoginEndpoints.Form(returnUrl, name, "用户名或密码错误 · Wrong name or password", StatusCodes.Status401Unauthorized);
        }

        throttle.Succeeded(name);
        await http.SignInAsync(AuthPolicies.CookieScheme, AuthUser.Principal(account), new AuthenticationProperties { IsPersistent = false, AllowRefresh = true });
        metrics.Logins.Inc();
        LogLoggedIn(logger, account.Name, account.Role, Remote(http));
        return LoginEndpoints.SeeOther(http, returnUrl);
    }

    public async Task<IResult> LogoutAsync(HttpContext http)
    {
        var (form, problem) = await ReadFormAsync(http);
        if (form is null)
        {
            return problem!;
        }

        var name = AuthUser.NameOf(http);
        if (name is null)
        {
            // Nothing to end (the session expired already): no token to check either.
            return LoginEndpoints.SeeOther(http, LoginEndpoints.LoginPath);
        }

        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return refuser.Refuse(http, StatusCodes.Status403Forbidden, AuthRefusals.Antiforgery, "logging out needs the form's antiforgery token");
        }

        await http.SignOutAsync(AuthPolicies.CookieScheme);
        LogLoggedOut(logger, name);
        return LoginEndpoints.SeeOther(http, LoginEndpoints.LoginPath);
    }

    // Bounded before anything is read: the form of a login is small.
    private static async Task<(IFormCollection? Form, IResult? Problem)> ReadFormAsync(HttpContext http)
    {
        if (http.Request.ContentLength > LoginEndpoints.MaxFormBytes)
        {
            return (null, Results.Problem($"the form may have at most {LoginEndpoints.MaxFormBytes} bytes", statusCode: StatusCodes.Status413PayloadTooLarge));
        }

        if (!http.Request.HasFormContentType)
        {
            return (null, Results.Problem("send the login form (application/x-www-form-urlencoded)", statusCode: StatusCodes.Status415UnsupportedMediaType));
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = LoginEndpoints.MaxFormBytes;
        }

        try
        {
            return (await http.Request.ReadFormAsync(http.RequestAborted), null);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException)
        {
            return (null, Results.Problem($"the form may have at most {LoginEndpoints.MaxFormBytes} bytes", statusCode: StatusCodes.Status413PayloadTooLarge));
        }
    }

    private static string Remote(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "-";

    [LoggerMessage(EventId = 7850, Level = LogLevel.Information, Message = "{User} ({Role}) logged in from {Remote}")]
    private static partial void LogLoggedIn(ILogger logger, string user, string role, string remote);

    [LoggerMessage(EventId = 7851, Level = LogLevel.Warning, Message = "failed login for {User} from {Remote}")]
    private static partial void LogFailed(ILogger logger, string user, string remote);

    [LoggerMessage(EventId = 7852, Level = LogLevel.Warning, Message = "{User} locked until {Until:O} after too many failed logins (last from {Remote})")]
    private static partial void LogLockedOut(ILogger logger, string user, DateTimeOffset until, string remote);

    // Debug: refusing a locked name costs no hashing, so these can come as fast as requests do (counted as locked-out).
    [LoggerMessage(EventId = 7853, Level = LogLevel.Debug, Message = "login of locked {User} refused (from {Remote})")]
    private static partial void LogLockedAttempt(ILogger logger, string user, string remote);

    [LoggerMessage(EventId = 7854, Level = LogLevel.Information, Message = "{User} logged out")]
    private static partial void LogLoggedOut(ILogger logger, string user);

    [LoggerMessage(EventId = 7855, Level = LogLevel.Warning, Message = "login from {Remote} refused: too many logins are being checked at once")]
    private static partial void LogBusy(ILogger logger, string remote);
}
