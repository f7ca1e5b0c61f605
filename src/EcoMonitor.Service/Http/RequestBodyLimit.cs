using Microsoft.AspNetCore.Http.Features;

namespace EcoMonitor.Service.Http;

/// <summary>
/// One bound on every request body, before authentication or antiforgery read anything: no request
/// of the surface needs more (the largest, a page form or an API write, is 16 KiB), and a body that
/// says or turns out to be larger is refused with 413 instead of being read (docs/http.md).
/// </summary>
public static class RequestBodyLimit
{
    /// <summary>Room above the endpoints' own 16 KiB checks, so that they answer with their own reason first.</summary>
    public const int MaxBytes = 64 * 1024;

    public static WebApplication UseEcoMonitorRequestBodyLimit(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > MaxBytes)
            {
                await TooLarge(context);
                return;
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxBytes;
            }

            try
            {
                await next(context);
            }
            catch (Exception ex) when (IsTooLarge(ex) && !context.Response.HasStarted)
            {
                // A chunked body that grew past the bound while a step read it (antiforgery wraps the error in its own).
                await TooLarge(context);
            }
        });
        return app;
    }

    private static bool IsTooLarge(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return true;
            }
        }

        return false;
    }

    private static Task TooLarge(HttpContext context)
    {
        context.Response.Clear();
        return Results.Problem($"a request body may have at most {MaxBytes} bytes", statusCode: StatusCodes.Status413PayloadTooLarge).ExecuteAsync(context);
    }
}
