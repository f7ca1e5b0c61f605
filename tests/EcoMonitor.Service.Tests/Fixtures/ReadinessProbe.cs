using System.Text.Json;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>What <c>/health/ready</c> answers: the status code and the ingest check's <c>data</c> (blocking conditions, details).</summary>
public sealed record Readiness(int Status, JsonElement Data, string Body)
{
    /// <summary>The reason of a raised blocking condition, or null.</summary>
    public string? Blocking(string key) =>
        Data.TryGetProperty("blocking", out var blocking) && blocking.TryGetProperty(key, out var reason) ? reason.GetString() : null;

    public JsonElement Detail(string key) => Data.GetProperty(key);

    /// <summary>GET <c>/health/ready</c> of the service at <paramref name="baseAddress"/>.</summary>
    public static async Task<Readiness> ReadAsync(Uri baseAddress, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var data = JsonDocument.Parse(body).RootElement.GetProperty("checks").GetProperty("ingest").GetProperty("data").Clone();
        return new Readiness((int)response.StatusCode, data, body);
    }
}
