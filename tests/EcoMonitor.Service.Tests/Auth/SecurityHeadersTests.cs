using System.Net;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Auth;

/// <summary>The security headers on every kind of answer: a page, an API answer, a refusal, a 404; and the public paths answer without a login.</summary>
public sealed class SecurityHeadersTests(Servers servers)
{
    [Theory]
    [InlineData("/login", HttpStatusCode.OK, null)]
    [InlineData("/api/alerts", HttpStatusCode.OK, AuthClient.Token)]
    [InlineData("/api/alerts", HttpStatusCode.Unauthorized, null)]
    [InlineData("/no/such/page", HttpStatusCode.NotFound, null)]
    [InlineData("/metrics", HttpStatusCode.OK, null)]
    [InlineData("/feeds/alerts.cap.xml", HttpStatusCode.OK, null)]
    [InlineData("/health/live", HttpStatusCode.OK, null)]
    public async Task Every_answer_carries_the_CSP_nosniff_and_referrer_policy(string path, HttpStatusCode status, string? token)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var service = await AuthClient.StartServiceAsync(servers, $"hdr-{Guid.NewGuid():N}"[..16], ct);
        using var client = new AuthClient(service.BaseAddress);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await client.Http.SendAsync(request, ct);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("default-src 'self'; frame-ancestors 'none'", Header(response, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("same-origin", Header(response, "Referrer-Policy"));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;
}
