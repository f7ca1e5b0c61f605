using EcoMonitor.Notifications;
using EcoMonitor.Sensors;

namespace EcoMonitor.Service.Http;

/// <summary>
/// <c>/api/sensors</c> (docs/http.md#sensors): every device of the sensor directory with its
/// status, latest values, AQI, water class, soil state and hourly means, filtered by
/// <c>?site=</c>, <c>?kind=</c>, <c>?status=</c>; and one device.
/// </summary>
public static class SensorEndpoints
{
    public static WebApplication MapSensorEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api/sensors");

        api.MapGet("/", (string? site, string? kind, string? status, ISensorDirectory sensors) =>
        {
            if (status is { Length: > 0 } && status is not (SensorStatus.Online or SensorStatus.Stale or SensorStatus.Offline))
            {
                return Results.Problem($"status must be online, stale or offline, not '{Shorten(status)}'", statusCode: StatusCodes.Status400BadRequest);
            }

            if (kind is { Length: > 0 } && kind is not ("air" or "water" or "soil"))
            {
                return Results.Problem($"kind must be air, water or soil, not '{Shorten(kind)}'", statusCode: StatusCodes.Status400BadRequest);
            }

            var list = sensors.List().Where(s =>
                (string.IsNullOrEmpty(site) || s.Site == site)
                && (string.IsNullOrEmpty(kind) || s.Kind == kind)
                && (string.IsNullOrEmpty(status) || s.Status == status));
            return Results.Json(list, NotificationJson.Options);
        });

        api.MapGet("/{site}/{device}", (string site, string device, ISensorDirectory sensors) =>
            sensors.Find(site, device) is { } sensor
                ? Results.Json(sensor, NotificationJson.Options)
                : Results.Problem($"no device {Shorten(site)}/{Shorten(device)} in the sensor directory", statusCode: StatusCodes.Status404NotFound));

        return app;
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
