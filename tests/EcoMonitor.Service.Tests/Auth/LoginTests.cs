using System.Net;
using EcoMonitor.Service.Auth;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Auth;

/// <summary><c>/login</c> and <c>/logout</c> against the running service: the form, wrong and right passwords, the return address, the session.</summary>
public sealed class LoginTests(Servers servers) : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-auth-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public async Task A_session_survives_a_restart_but_not_a_change_of_the_users_password()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"rst-{Guid.NewGuid():N}"[..16];
        var data = $"--DataDirectory={_data.FullName}";
        var cookies = new System.Net.CookieContainer();
        await using (var first = await AuthClient.StartServiceAsync(servers, site, ct, data))
        {
            using var browser = new AuthClient(first.BaseAddress, cookies);
            Assert.Equal(HttpStatusCode.SeeOther, (await browser.LoginAsync("wang", AuthClient.Password, ct)).StatusCode);
        }

        // The data-protection keys are in the data directory: the same cookie still counts.
        await using (var second = await AuthClient.StartServiceAsync(servers, site, ct, data))
        {
            using var browser = new AuthClient(second.BaseAddress, cookies);
            Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync(new Uri("/api/alerts", UriKind.Relative), ct)).StatusCode);
        }

        // A new hash for wang ends wang's sessions.
        await using (var third = await AuthClient.StartServiceAsync(servers, site, ct, data, $"--Auth:Users:0:PasswordHash={AuthClient.Hash("a new password")}"))
        {
            using var browser = new AuthClient(third.BaseAddress, cookies);
            await WriteRightsTests.AssertRefusedAsync(await browser.Http.GetAsync(new Uri("/api/alerts", UriKind.Relative), ct), HttpStatusCode.Unauthorized, AuthRefusals.NoCredentials, ct);
        }
    }

    [Fact]
    public async Task An_officer_logs_in_with_the_form_is_sent_back_to_a_local_return_address_and_logs_out()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var service = await AuthClient.StartServiceAsync(servers, $"lgn-{Guid.NewGuid():N}"[..16], ct);
        using var browser = new AuthClient(service.BaseAddress);

        // Reading needs a login, on every /api endpoint, including those that name no policy themselves.
        foreach (var path in new[] { "/api/alerts", "/api/silences", "/api/sensors", "/api/sensors/s1/n1" })
        {
            await WriteRightsTests.AssertRefusedAsync(await browser.Http.GetAsync(new Uri(path, UriKind.Relative), ct), HttpStatusCode.Unauthorized, AuthRefusals.NoCredentials, ct);
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

        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync(new Uri("/api/alerts", UriKind.Relative), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync(new Uri("/api/sensors", UriKind.Relative), ct)).StatusCode);

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

    [Fact]
    public async Task After_N_wrong_passwords_even_the_right_one_is_refused_until_the_window_ends_and_an_unknown_name_locks_alike()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var service = await AuthClient.StartServiceAsync(servers, $"lck-{Guid.NewGuid():N}"[..16], ct, "--Auth:MaxFailedLogins=3");
        using var browser = new AuthClient(service.BaseAddress);
        var before = await WriteRightsTests.RefusalsAsync(browser, ct);

        foreach (var name in new[] { "wang", "nobody" })
        {
            for (var i = 0; i < 3; i++)
            {
                using var wrong = await browser.LoginAsync(name, $"guess {i}", ct);
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
                Assert.Contains("Wrong name or password", await wrong.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            }

            using var locked = await browser.LoginAsync(name, AuthClient.Password, ct);
            Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
            Assert.Contains("Too many failed logins", await locked.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        // Another user is not affected; the locked one stays locked (Auth:LockoutWindow, 15 min by default).
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.LoginAsync("zhao", AuthClient.Password, ct)).StatusCode);
        var after = await WriteRightsTests.RefusalsAsync(browser, ct);
        Assert.Equal(6, after[AuthRefusals.BadLogin] - before[AuthRefusals.BadLogin]);
        Assert.Equal(2, after[AuthRefusals.LockedOut] - before[AuthRefusals.LockedOut]);
        Assert.Contains("ecomonitor_login_lockouts_total 2", await browser.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example/phish")]
    [InlineData("//evil.example/phish")]
    [InlineData("/\\evil.example/phish")]
    [InlineData("javascript:alert(1)")]
    public async Task A_return_address_off_the_site_is_replaced_by_the_root(string returnUrl)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var service = await AuthClient.StartServiceAsync(servers, $"ret-{Guid.NewGuid():N}"[..16], ct);
        using var browser = new AuthClient(service.BaseAddress);

        var form = await browser.Http.GetStringAsync(new Uri($"/login?returnUrl={Uri.EscapeDataString(returnUrl)}", UriKind.Relative), ct);
        Assert.DoesNotContain("evil", form, StringComparison.Ordinal);
        using var ok = await browser.LoginAsync("wang", AuthClient.Password, ct, returnUrl: returnUrl);

        Assert.Equal(HttpStatusCode.SeeOther, ok.StatusCode);
        Assert.Equal("/", ok.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_login_without_the_forms_antiforgery_token_is_refused_with_the_form_again()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var service = await AuthClient.StartServiceAsync(servers, $"laf-{Guid.NewGuid():N}"[..16], ct);
        using var browser = new AuthClient(service.BaseAddress);
        await browser.FormTokenAsync(ct);

        using var refused = await browser.LoginAsync("wang", AuthClient.Password, ct, token: "forged");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("The form expired", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync(new Uri("/api/alerts", UriKind.Relative), ct)).StatusCode);
    }

    [Fact]
    public async Task With_anonymous_view_reading_needs_no_login_but_writing_still_does()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var service = await AuthClient.StartServiceAsync(servers, $"anv-{Guid.NewGuid():N}"[..16], ct, "--Ui:AnonymousView=true");
        using var browser = new AuthClient(service.BaseAddress);

        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync(new Uri("/api/alerts", UriKind.Relative), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync(new Uri("/api/silences", UriKind.Relative), ct)).StatusCode);
        await WriteRightsTests.AssertRefusedAsync(await browser.PostJsonAsync("/api/silences", new { }, ct), HttpStatusCode.Unauthorized, AuthRefusals.NoCredentials, ct);
    }
}
