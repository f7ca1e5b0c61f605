using EcoMonitor.Service.Auth;
using EcoMonitor.Service.Http;

namespace EcoMonitor.Service.Hosting;

/// <summary>Builds the service host; used by <c>run</c> and by the integration tests.</summary>
public static class EcoMonitorHost
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The slim builder: no IIS integration, no HTTP/3, no hosting-startup scan; each of those
        // loaded assemblies the service never uses (docs/performance.md#where-rss-goes).
        var builder = WebApplication.CreateSlimBuilder(args);

        // What the slim builder leaves out and an operator may use: Kestrel endpoints with a
        // certificate from configuration (docs/auth.md#transport).
        builder.WebHost.UseKestrelHttpsConfiguration();
        if (string.IsNullOrEmpty(builder.Configuration["Urls"]))
        {
            // Loopback unless the operator says otherwise: logins and the token travel in clear over
            // plain http, so a wider address belongs behind a TLS proxy (docs/auth.md#transport).
            builder.WebHost.UseUrls(DefaultUrls);
        }

        builder.Services.AddSystemd();

        // HostOptions:ShutdownTimeout bounds the graceful drain on SIGTERM.
        builder.Services.Configure<HostOptions>(builder.Configuration.GetSection("HostOptions"));
        builder.Services.AddEcoMonitorService(builder.Configuration);
        configure?.Invoke(builder);

        // Last, after every registration that could add it again.
        builder.Services.DeferKeyRingLoad();

        var app = builder.Build();
        app.UseEcoMonitorSecurityHeaders();
        app.UseEcoMonitorRequestBodyLimit();
        app.UseEcoMonitorAuth();
        app.MapEcoMonitorEndpoints();
        return app;
    }
}
