using System.Net;
using EcoMonitor.Service.Auth;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Auth;

/// <summary><c>/login</c> and <c>/logout</c> against the running service: the form, wrong and right passwords, the return address, the session.</summary>
public sealed class LoginTests(Servers servers)
{
    [Fact]
    public async Task An_officer_logs_in_with_the_form_is_sent_back_to_a_local_return_address_and_logs_out()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var service = await AuthClient.StartServiceAsync(servers, $"lgn-{Guid.NewGuid():N}"[..16], ct);
        using var browser = new AuthClient(service.BaseAddress);

        // Reading needs a login: the API answers 401 with its reason, the page redirects to the form.
        using (var api = await browser.Http.GetAsync(new Uri("/api/alerts", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
            Assert.Contains(AuthRefusals.NoCredentials, await api.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using (var form = await browser.Http.GetAsync(new Uri("/login?returnUrl=%2Fapi%2Falerts", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.OK, form.StatusCode);
            var html = await form.Content.ReadAsStringAsync(ct);
            Assert.Contains("<label for=\"login-name\"", html, StringComparison.Ordinal);
            Assert.Contains("value=\"/api/alerts\"", html, StringComparison.Ordinal);
        }

        using (var wrong = await browser.LoginAsync("wang", "not the password", ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("Wrong name or password", await wrong.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using (var ok = await browser.LoginAsync("wang", AuthClient.Password, ct, returnUrl: "/api/alerts?state=firing"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, ok.StatusCode);
            Assert.Equal("/api/alerts?state=firing", ok.Headers.Location?.OriginalString);
        }

        using (var api = await browser.Http.GetAsync(new Uri("/api/alerts", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        }

        var token = await browser.FormTokenAsync(ct);
        using (var logout = await browser.Http.PostAsync(new Uri("/logout", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }), ct))
        {
            Assert.Equal(HttpStatusCode.SeeOther, logout.StatusCode);
        }

        using (var api = await browser.Http.GetAsync(new Uri("/api/alerts", UriKind.Relative), ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        }
    }
}
