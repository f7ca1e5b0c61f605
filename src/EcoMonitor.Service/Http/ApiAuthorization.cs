using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EcoMonitor.Service.Auth;

namespace EcoMonitor.Service.Http;

/// <summary>The API's bearer token, the author of a write, and reading a JSON body only after authorization.</summary>
internal static class ApiAuthorization
{
    /// <summary>Largest JSON body a write of the API reads.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static bool HasBearer(HttpRequest http, string token)
    {
        var header = http.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Constant time: the comparison must not tell how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()),
            Encoding.UTF8.GetBytes(token));
    }

    /// <summary>
    /// Who a write records as its author (docs/auth.md#writes): the logged-in officer, whose name a body may
    /// repeat but not replace; or, with the API token, the body's <paramref name="field"/> (required).
    /// </summary>
    public static (string? Author, IResult? Problem) AuthorOf(HttpContext http, string? given, string field, int maxLength)
    {
        if (AuthUser.OfficerName(http) is { } officer)
        {
            return string.IsNullOrWhiteSpace(given) || string.Equals(given.Trim(), officer, StringComparison.OrdinalIgnoreCase)
                ? (officer, null)
                : (null, Results.Problem($"{field}: with a login the author is the logged-in officer ({officer}); leave {field} out", statusCode: StatusCodes.Status400BadRequest));
        }

        return string.IsNullOrWhiteSpace(given) || given.Length > maxLength
            ? (null, Results.Problem($"{field}: 1–{maxLength} characters (who does this; with the API token it is required)", statusCode: StatusCodes.Status400BadRequest))
            : (given.Trim(), null);
    }

    /// <summary>
    /// Reads at most <see cref="MaxBodyBytes"/> of JSON; null with a problem when it is too large or not the expected
    /// shape. An empty body is <paramref name="whenEmpty"/> when given, else refused. Call it after authorization:
    /// a refused request is never read.
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpRequest http, string shape, CancellationToken cancellationToken, T? whenEmpty = null)
        where T : class
    {
        if (http.ContentLength > MaxBodyBytes)
        {
            return (null, Results.Problem($"the body may have at most {MaxBodyBytes} bytes", statusCode: StatusCodes.Status413PayloadTooLarge));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await http.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return (null, Results.Problem($"the body may have at most {MaxBodyBytes} bytes", statusCode: StatusCodes.Status413PayloadTooLarge));
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            var value = buffer.Length == 0 ? whenEmpty : JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), EcoMonitor.Notifications.NotificationJson.Options);
            return value is null ? (null, Results.Problem($"body must be {shape}", statusCode: StatusCodes.Status400BadRequest)) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Results.Problem($"body must be {shape}: {ex.Message}", statusCode: StatusCodes.Status400BadRequest));
        }
    }
}
