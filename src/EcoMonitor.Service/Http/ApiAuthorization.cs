using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EcoMonitor.Service.Http;

/// <summary>The API's bearer token, and reading a JSON body only after it was checked.</summary>
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

    /// <summary>The refusal of a write, or null when it is authorised (checked before the body is read).</summary>
    public static IResult? Refusal(HttpRequest http, ApiOptions options, string what)
    {
        if (options.ResolveToken() is not { } token)
        {
            return Results.Problem($"{what} needs an API token: set Api:Token or Api:TokenFile", statusCode: StatusCodes.Status403Forbidden);
        }

        return HasBearer(http, token) ? null : Results.Problem("missing or wrong bearer token", statusCode: StatusCodes.Status401Unauthorized);
    }

    /// <summary>Reads at most <see cref="MaxBodyBytes"/> of JSON; null with a problem when it is too large or not the expected shape.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpRequest http, string shape, CancellationToken cancellationToken)
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
            var value = buffer.Length == 0 ? null : JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), EcoMonitor.Notifications.NotificationJson.Options);
            return value is null ? (null, Results.Problem($"body must be {shape}", statusCode: StatusCodes.Status400BadRequest)) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Results.Problem($"body must be {shape}: {ex.Message}", statusCode: StatusCodes.Status400BadRequest));
        }
    }
}
