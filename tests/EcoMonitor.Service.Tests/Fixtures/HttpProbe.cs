namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>The readiness probe of the servers the fixtures start: a path that answers 2xx once the server is up.</summary>
internal static class HttpProbe
{
    /// <summary>True when <paramref name="path"/> answers 2xx; false while the server refuses, resets or times out.</summary>
    public static async Task<bool> AnswersAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
