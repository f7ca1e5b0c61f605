using EcoMonitor.Runtime.Files;
using EcoMonitor.Service.Auth;
using EcoMonitor.Service.Http;
using EcoMonitor.Service.Page;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class AuthServiceCollectionExtensions
{
    /// <summary>Users, cookie login, antiforgery and the policies of <see cref="AuthPolicies"/> (docs/auth.md).</summary>
    public static IServiceCollection AddEcoMonitorAuth(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.IsRegistered<AuthMarker>())
        {
            return services;
        }

        services.AddValidatedOptions<AuthOptions, AuthOptionsValidator>(configuration.GetSection(AuthOptions.Section));
        services.AddOptions<ViewAccess>().Configure<IOptions<UiOptions>>((access, ui) => access.Anonymous = ui.Value.AnonymousView);
        services.TryAddSingleton<UserDirectory>();
        services.TryAddSingleton<LoginThrottle>();
        services.TryAddSingleton<AuthMetrics>();
        services.TryAddSingleton<Refuser>();
        services.TryAddSingleton<LoginService>();

        services.AddAuthentication(AuthUser.SelectScheme)
            .AddPolicyScheme(AuthUser.SelectScheme, null, o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey("Authorization") ? AuthUser.BearerScheme : AuthPolicies.CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiBearerHandler>(AuthUser.BearerScheme, null)
            .AddCookie(AuthPolicies.CookieScheme, o =>
            {
                o.Cookie.Name = "ecomonitor_session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = true;
                o.LoginPath = LoginEndpoints.LoginPath;
                o.LogoutPath = LoginEndpoints.LogoutPath;
                o.ReturnUrlParameter = "returnUrl";
                o.Events.OnValidatePrincipal = ValidateSessionAsync;

                // Refusals normally go through RefusalResultHandler; these cover a challenge made directly.
                o.Events.OnRedirectToLogin = context => Redirect(context, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => Redirect(context, StatusCodes.Status403Forbidden);
            });
        services.AddOptions<CookieAuthenticationOptions>(AuthPolicies.CookieScheme)
            .Configure<IOptions<AuthOptions>>((cookie, auth) => cookie.ExpireTimeSpan = auth.Value.SessionLifetime);

        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.View, p => p.AddRequirements(new ViewRequirement()))
            .AddPolicy(AuthPolicies.Act, p => p.AddRequirements(new ActRequirement()));
        services.AddSingleton<IAuthorizationHandler, ViewRequirementHandler>();
        services.AddSingleton<IAuthorizationHandler, ActRequirementHandler>();
        services.Replace(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, RefusalResultHandler>());

        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "ecomonitor_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.HeaderName = "RequestVerificationToken";
        });

        // Sessions and antiforgery tokens outlive a restart: the data-protection keys live in the data directory.
        // A fixed application name: the default (the content root) would change with the install path.
        services.AddDataProtection().SetApplicationName("ecomonitor");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<DataDirectoryOptions>, ILoggerFactory>((keys, data, logs) =>
            keys.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(Path.Combine(Path.GetFullPath(data.Value.DataDirectory), "state", "keys")), logs));

        // The login form is a Razor component (RazorComponentResult).
        services.AddRazorComponents();
        return services;
    }

    /// <summary>The data-protection hosted service's type, which loads the key ring at start.</summary>
    internal const string KeyRingStartupType = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

    /// <summary>
    /// Drops the hosted service that loads the data-protection key ring at start: the ring loads at
    /// the first login or form instead, and a service no officer has opened yet does not carry the
    /// XML stack it reads the keys with (docs/performance.md#where-rss-goes). Call it after every
    /// other registration: each <c>AddDataProtection</c> adds the service again.
    /// </summary>
    internal static IServiceCollection DeferKeyRingLoad(this IServiceCollection services)
    {
        // A framework that renames it keeps its service (a test says so): the keys then load at start.
        if (typeof(KeyManagementOptions).Assembly.GetType(KeyRingStartupType) is not { } startup)
        {
            return services;
        }

        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IHostedService) && services[i].ImplementationType == startup)
            {
                services.RemoveAt(i);
            }
        }

        return services;
    }

    /// <summary>A session counts while its account exists with the same hash and role (docs/auth.md#sessions).</summary>
    private static Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<UserDirectory>();
        var identity = context.Principal is { } p ? AuthUser.CookieIdentity(p) : null;
        var account = users.Find(identity?.Name);
        if (account is null || identity?.FindFirst(AuthUser.StampClaim)?.Value != account.Stamp)
        {
            context.RejectPrincipal();
            return context.HttpContext.SignOutAsync(AuthPolicies.CookieScheme);
        }

        return Task.CompletedTask;
    }

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context, int apiStatus)
    {
        if (Refuser.IsApi(context.HttpContext))
        {
            context.Response.StatusCode = apiStatus;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }

    private sealed class AuthMarker;
}
