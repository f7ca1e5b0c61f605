using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EcoMonitor.Service.Auth;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Auth;

/// <summary>
/// Every write of the API (acknowledge, create a silence, expire it) with missing, wrong and right credentials:
/// the API token, a viewer's login, an officer's login with and without the antiforgery token. A login records
/// the officer; each refusal is counted by its reason.
/// </summary>
public sealed partial class WriteRightsTests(Servers servers) : IDisposable
{
    private readonly string _rules = Path.Combine(Path.GetTempPath(), $"ecomonitor-rules-{Guid.NewGuid():N}.yaml");

    [Fact]
    public async Task Acknowledging_needs_the_token_or_an_officers_login_which_is_recorded_as_the_author()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"ack-{Guid.NewGuid():N}"[..16];
        await File.WriteAllTextAsync(_rules, "rules:\n  - name: pm25-high\n    kind: air\n    metric: pm25\n    above: 75\n    severity: warning\n", ct);
        await using var service = await AuthClient.StartServiceAsync(servers, site, ct, $"--Alerts:RulesFile={_rules}");
        using var anonymous = new AuthClient(service.BaseAddress);
        using var viewer = new AuthClient(service.BaseAddress);
        using var officer = new AuthClient(service.BaseAddress);

        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds());
        await TestPublisher.PublishAsync(servers.Mosquitto, new[] { ("n1", 80.0), ("n2", 90.0), ("n3", 95.0) }.Select((r, i) =>
            ($"eco/{site}/air/{r.Item1}", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(t0, i, ("pm25", r.Item2))))), ct);
        var ids = new Dictionary<string, string>();
        await Eventually.WaitAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/alerts?state=firing");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AuthClient.Token);
            using var answer = await anonymous.Http.SendAsync(request, ct);
            foreach (var a in await answer.Content.ReadFromJsonAsync<JsonElement[]>(ct) ?? [])
            {
                ids[a.GetProperty("device").GetString()!] = a.GetProperty("id").GetString()!;
            }

            return ids.Count == 3;
        }, TimeSpan.FromSeconds(20), "three firing alerts", ct);
        var before = await RefusalsAsync(anonymous, ct);

        // Missing and wrong credentials, refused before the body is read: no content type is 401, not 415.
        await AssertRefusedAsync(await anonymous.PostJsonAsync($"/api/alerts/{ids["n1"]}/ack", new { by = "li" }, ct), HttpStatusCode.Unauthorized, AuthRefusals.NoCredentials, ct);
        await AssertRefusedAsync(await anonymous.PostJsonAsync($"/api/alerts/{ids["n1"]}/ack", new { by = "li" }, ct, bearer: "wrong-token-0123456789"), HttpStatusCode.Unauthorized, AuthRefusals.BadToken, ct);
        using (var raw = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{ids["n1"]}/ack") { Content = new ByteArrayContent("{"u8.ToArray()) })
        {
            await AssertRefusedAsync(await anonymous.Http.SendAsync(raw, ct), HttpStatusCode.Unauthorized, AuthRefusals.NoCredentials, ct);
        }

        // A viewer may read but not act.
        Assert.Equal(HttpStatusCode.SeeOther, (await viewer.LoginAsync("zhao", AuthClient.Password, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.Http.GetAsync(new Uri("/api/alerts", UriKind.Relative), ct)).StatusCode);
        await AssertRefusedAsync(await viewer.PostJsonAsync($"/api/alerts/{ids["n1"]}/ack", new { }, ct, antiforgery: await viewer.FormTokenAsync(ct)), HttpStatusCode.Forbidden, AuthRefusals.NotOfficer, ct);

        // An officer's cookie alone is not enough for the JSON API: a cross-site script could send it.
        Assert.Equal(HttpStatusCode.SeeOther, (await officer.LoginAsync("wang", AuthClient.Password, ct)).StatusCode);
        await AssertRefusedAsync(await officer.PostJsonAsync($"/api/alerts/{ids["n1"]}/ack", new { comment = "x" }, ct), HttpStatusCode.Forbidden, AuthRefusals.Antiforgery, ct);
        var token = await officer.FormTokenAsync(ct);
        await AssertRefusedAsync(await officer.PostJsonAsync($"/api/alerts/{ids["n1"]}/ack", new { comment = "x" }, ct, antiforgery: "not-the-token"), HttpStatusCode.Forbidden, AuthRefusals.Antiforgery, ct);

        // With the login the author is the officer; a body may not name someone else.
        using (var other = await officer.PostJsonAsync($"/api/alerts/{ids["n1"]}/ack", new { by = "li", comment = "x" }, ct, antiforgery: token))
        {
            Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
            Assert.Contains("logged-in officer (wang)", await other.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using (var ok = await officer.PostJsonAsync($"/api/alerts/{ids["n1"]}/ack", new { comment = "sampling crew sent" }, ct, antiforgery: token))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            var ack = (await ok.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("acknowledgement");
            Assert.Equal(("wang", "sampling crew sent"), (ack.GetProperty("by").GetString(), ack.GetProperty("comment").GetString()));
        }

        // No body at all is an acknowledgement without a comment, for an officer.
        using (var bare = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{ids["n3"]}/ack"))
        {
            bare.Headers.Add("RequestVerificationToken", token);
            using var answer = await officer.Http.SendAsync(bare, ct);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("wang", (await answer.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("acknowledgement").GetProperty("by").GetString());
        }

        // The token still works, and still needs the author in the body.
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostJsonAsync($"/api/alerts/{ids["n2"]}/ack", new { comment = "who?" }, ct, bearer: AuthClient.Token)).StatusCode);
        using (var script = await anonymous.PostJsonAsync($"/api/alerts/{ids["n2"]}/ack", new { by = "duty-script" }, ct, bearer: AuthClient.Token))
        {
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Equal("duty-script", (await script.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("acknowledgement").GetProperty("by").GetString());
        }

        var after = await RefusalsAsync(anonymous, ct);
        Assert.Equal(2, after[AuthRefusals.NoCredentials] - before[AuthRefusals.NoCredentials]);
        Assert.Equal(1, after[AuthRefusals.BadToken] - before[AuthRefusals.BadToken]);
        Assert.Equal(1, after[AuthRefusals.NotOfficer] - before[AuthRefusals.NotOfficer]);
        Assert.Equal(2, after[AuthRefusals.Antiforgery] - before[AuthRefusals.Antiforgery]);
    }

    [Fact]
    public async Task Creating_and_expiring_a_silence_need_the_token_or_an_officers_login()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"sln-{Guid.NewGuid():N}"[..16];
        await using var service = await AuthClient.StartServiceAsync(servers, site, ct);
        using var anonymous = new AuthClient(service.BaseAddress);
        using var viewer = new AuthClient(service.BaseAddress);
        using var officer = new AuthClient(service.BaseAddress);
        var endsAt = DateTimeOffset.UtcNow.AddHours(2);
        object Silence(string? author) => author is null
            ? new { matchers = new { site }, endsAt, comment = "calibration" }
            : new { matchers = new { site }, endsAt, comment = "calibration", author };

        await AssertRefusedAsync(await anonymous.PostJsonAsync("/api/silences", Silence("li"), ct), HttpStatusCode.Unauthorized, AuthRefusals.NoCredentials, ct);
        await AssertRefusedAsync(await anonymous.PostJsonAsync("/api/silences", Silence("li"), ct, bearer: "wrong-token-0123456789"), HttpStatusCode.Unauthorized, AuthRefusals.BadToken, ct);
        using (var raw = new HttpRequestMessage(HttpMethod.Post, "/api/silences") { Content = new ByteArrayContent("x"u8.ToArray()) })
        {
            await AssertRefusedAsync(await anonymous.Http.SendAsync(raw, ct), HttpStatusCode.Unauthorized, AuthRefusals.NoCredentials, ct);
        }

        await viewer.LoginAsync("zhao", AuthClient.Password, ct);
        await AssertRefusedAsync(await viewer.PostJsonAsync("/api/silences", Silence(null), ct, antiforgery: await viewer.FormTokenAsync(ct)), HttpStatusCode.Forbidden, AuthRefusals.NotOfficer, ct);

        await officer.LoginAsync("wang", AuthClient.Password, ct);
        await AssertRefusedAsync(await officer.PostJsonAsync("/api/silences", Silence(null), ct), HttpStatusCode.Forbidden, AuthRefusals.Antiforgery, ct);
        var token = await officer.FormTokenAsync(ct);
        Assert.Equal(HttpStatusCode.BadRequest, (await officer.PostJsonAsync("/api/silences", Silence("someone.else"), ct, antiforgery: token)).StatusCode);
        string byLogin;
        using (var created = await officer.PostJsonAsync("/api/silences", Silence(null), ct, antiforgery: token))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var silence = await created.Content.ReadFromJsonAsync<JsonElement>(ct);
            Assert.Equal("wang", silence.GetProperty("author").GetString());
            byLogin = silence.GetProperty("id").GetString()!;
        }

        string byToken;
        using (var created = await anonymous.PostJsonAsync("/api/silences", Silence("duty-script"), ct, bearer: AuthClient.Token))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var silence = await created.Content.ReadFromJsonAsync<JsonElement>(ct);
            Assert.Equal("duty-script", silence.GetProperty("author").GetString());
            byToken = silence.GetProperty("id").GetString()!;
        }

        // Expiring: the same rights.
        await AssertRefusedAsync(await anonymous.PostJsonAsync($"/api/silences/{byLogin}/expire", new { by = "li" }, ct), HttpStatusCode.Unauthorized, AuthRefusals.NoCredentials, ct);
        await AssertRefusedAsync(await anonymous.PostJsonAsync($"/api/silences/{byLogin}/expire", new { by = "li" }, ct, bearer: "wrong-token-0123456789"), HttpStatusCode.Unauthorized, AuthRefusals.BadToken, ct);
        await AssertRefusedAsync(await viewer.PostJsonAsync($"/api/silences/{byLogin}/expire", null, ct, antiforgery: await viewer.FormTokenAsync(ct)), HttpStatusCode.Forbidden, AuthRefusals.NotOfficer, ct);
        await AssertRefusedAsync(await officer.PostJsonAsync($"/api/silences/{byLogin}/expire", null, ct), HttpStatusCode.Forbidden, AuthRefusals.Antiforgery, ct);
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostJsonAsync($"/api/silences/{byToken}/expire", new { }, ct, bearer: AuthClient.Token)).StatusCode);
        using (var expired = await officer.PostJsonAsync($"/api/silences/{byLogin}/expire", null, ct, antiforgery: token))
        {
            Assert.Equal(HttpStatusCode.OK, expired.StatusCode);
            Assert.Equal("expired", (await expired.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("state").GetString());
        }

        using (var expired = await anonymous.PostJsonAsync($"/api/silences/{byToken}/expire", new { by = "duty-script" }, ct, bearer: AuthClient.Token))
        {
            Assert.Equal(HttpStatusCode.OK, expired.StatusCode);
        }
    }

    public void Dispose() => File.Delete(_rules);

    internal static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string reason, CancellationToken ct)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Null(response.Headers.Location);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            Assert.Equal(reason, problem.GetProperty("reason").GetString());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        }
    }

    /// <summary><c>ecomonitor_http_refusals_total</c> by reason, as <c>/metrics</c> shows it.</summary>
    internal static async Task<Dictionary<string, double>> RefusalsAsync(AuthClient client, CancellationToken ct)
    {
        var text = await client.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
        return RefusalLine().Matches(text).ToDictionary(m => m.Groups["reason"].Value, m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    [GeneratedRegex("""^ecomonitor_http_refusals_total\{reason="(?<reason>[^"]+)"\} (?<value>\S+)$""", RegexOptions.Multiline)]
    private static partial Regex RefusalLine();
}
