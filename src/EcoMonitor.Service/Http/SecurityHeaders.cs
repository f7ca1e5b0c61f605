namespace EcoMonitor.Service.Http;

/// <summary>
/// The headers every answer carries, page and API alike (docs/auth.md#security-headers): no script, style or
/// frame from elsewhere, no framing of ours, no content sniffing, no full URL leaked to other sites.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'";

    public static WebApplication UseEcoMonitorSecurityHeaders(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use((context, next) =>
        {
            // When the answer starts, so that one written by any later step (a 404, a refusal, an error page
            // that cleared the headers) has them, and they win over a step's own (antiforgery's X-Frame-Options).
            var response = context.Response;
            response.OnStarting(() =>
            {
                var headers = response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                headers.XFrameOptions = "DENY";
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }
}
