using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EcoMonitor.Service.Tests.Auth;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Page;

/// <summary>
/// The page's endpoints against the running service, as a browser without JavaScript uses them:
/// who may act, the antiforgery token, the bound on a form, the 303 back, the officer's name
/// recorded; the fragments; the live stream's bound and its change event.
/// </summary>
public sealed class PageEndpointTests(Servers servers) : IDisposable
{
    private readonly string _rules = Path.Combine(Path.GetTempPath(), $"ecomonitor-page-api-rules-{Guid.NewGuid():N}.yaml");

    [Fact]
    public async Task Only_an_officer_with_the_form_token_acts_and_the_page_records_his_name_and_answers_303_back()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"pe-{Guid.NewGuid():N}"[..12];
        await using var service = await AuthClient.StartServiceAsync(servers, site, ct, [$"--Alerts:RulesFile={await RulesAsync(ct)}"]);
        var id = await FireAsync(service, site, ct);

        // Without a login the page sends the browser to the form; the palette needs no login.
        using (var anonymous = new AuthClient(service.BaseAddress))
        {
            using var page = await anonymous.Http.GetAsync(new Uri("/", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.StartsWith("/login", page.Headers.Location!.OriginalString, StringComparison.Ordinal);
            using var css = await anonymous.Http.GetAsync(new Uri("/css/palette.css", UriKind.Relative), ct);
            Assert.Equal("text/css", css.Content.Headers.ContentType!.MediaType);
            Assert.Contains(".water-6", await css.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        // A viewer reads, sees no form, and is refused if he posts one anyway.
        using (var viewer = new AuthClient(service.BaseAddress))
        {
            Assert.Equal(HttpStatusCode.SeeOther, (await viewer.LoginAsync("zhao", AuthClient.Password, ct)).StatusCode);
            using var page = await viewer.Http.GetAsync(new Uri("/", UriKind.Relative), ct);
            var html = await page.Content.ReadAsStringAsync(ct);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains($"data-alert-id=\"{id}\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("action=\"/ui/alerts/", html, StringComparison.Ordinal);
            Assert.Equal("default-src 'self'; frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
            var token = await viewer.FormTokenAsync(ct, "/");
            using var refused = await PostFormAsync(viewer, $"/ui/alerts/{id}/ack", new() { ["__RequestVerificationToken"] = token, ["comment"] = "mine" }, ct);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var officer = new AuthClient(service.BaseAddress);
        Assert.Equal(HttpStatusCode.SeeOther, (await officer.LoginAsync("wang", AuthClient.Password, ct)).StatusCode);
        var form = await officer.FormTokenAsync(ct, "/");

        // No token, a stale one, a form too large: refused, with the reason.
        using (var none = await PostFormAsync(officer, $"/ui/alerts/{id}/ack", new() { ["comment"] = "x" }, ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, none.StatusCode);
            Assert.Contains("antiforgery", await none.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using (var big = await PostFormAsync(officer, $"/ui/alerts/{id}/ack", new() { ["__RequestVerificationToken"] = form, ["comment"] = new string('x', 20_000) }, ct))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        }

        // A chunked form of 1 MiB says no size: refused once the bound is passed, however far a step (antiforgery) read.
        using (var chunked = new StreamContent(new ChunkedOnly(new string('x', 1 << 20))))
        {
            chunked.Headers.ContentType = new("application/x-www-form-urlencoded");
            using var huge = await officer.Http.PostAsync(new Uri($"/ui/alerts/{id}/ack", UriKind.Relative), chunked, ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        }

        // The acknowledgement: 303 back to the filtered view, recorded with the officer's name (an author field is not read).
        using (var ack = await PostFormAsync(officer, $"/ui/alerts/{id}/ack", new() { ["__RequestVerificationToken"] = form, ["comment"] = "crew sent", ["by"] = "mallory", ["return"] = "/?severity=critical" }, ct))
        {
            Assert.Equal(HttpStatusCode.SeeOther, ack.StatusCode);
            Assert.Equal("/?severity=critical&done=ack", ack.Headers.Location!.OriginalString);
        }

        var alert = await officer.Http.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}", ct);
        Assert.Equal(("wang", "crew sent"), (alert.GetProperty("acknowledgement").GetProperty("by").GetString(), alert.GetProperty("acknowledgement").GetProperty("comment").GetString()));
        using (var again = await PostFormAsync(officer, "/ui/alerts/0000000000000000/ack", new() { ["__RequestVerificationToken"] = form, ["return"] = "https://evil.example/" }, ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            Assert.Contains("no alert 0000000000000000 is firing", await again.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        // A silence: a comment is required; created by the officer; extended (a new one, the old expired); expired.
        using (var noComment = await PostFormAsync(officer, "/ui/silences", new() { ["__RequestVerificationToken"] = form, ["site"] = site, ["for"] = "1h" }, ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noComment.StatusCode);
            Assert.Contains("comment", await noComment.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        using (var created = await PostFormAsync(officer, "/ui/silences", new() { ["__RequestVerificationToken"] = form, ["site"] = site, ["rule"] = "pm25-high", ["for"] = "1h", ["comment"] = "cleaning", ["return"] = "/silences" }, ct))
        {
            Assert.Equal(HttpStatusCode.SeeOther, created.StatusCode);
            Assert.Equal("/silences?done=silence", created.Headers.Location!.OriginalString);
        }

        var silence = (await officer.Http.GetFromJsonAsync<JsonElement[]>("/api/silences?state=active", ct))!.Single();
        Assert.Equal(("wang", "cleaning", site), (silence.GetProperty("author").GetString(), silence.GetProperty("comment").GetString(), silence.GetProperty("matchers").GetProperty("site").GetString()));
        var ends = silence.GetProperty("endsAt").GetDateTimeOffset();
        var silenceId = silence.GetProperty("id").GetString()!;
        using (var extended = await PostFormAsync(officer, $"/ui/silences/{silenceId}/extend", new() { ["__RequestVerificationToken"] = form, ["for"] = "4h", ["return"] = "/silences" }, ct))
        {
            Assert.Equal(HttpStatusCode.SeeOther, extended.StatusCode);
        }

        var active = (await officer.Http.GetFromJsonAsync<JsonElement[]>("/api/silences?state=active", ct))!.Single();
        Assert.NotEqual(silenceId, active.GetProperty("id").GetString());
        Assert.Equal(ends.AddHours(4), active.GetProperty("endsAt").GetDateTimeOffset());
        Assert.Equal(silenceId, (await officer.Http.GetFromJsonAsync<JsonElement[]>("/api/silences?state=expired", ct))!.Single().GetProperty("id").GetString());
        using (var expired = await PostFormAsync(officer, $"/ui/silences/{active.GetProperty("id").GetString()}/expire", new() { ["__RequestVerificationToken"] = form }, ct))
        {
            Assert.Equal(HttpStatusCode.SeeOther, expired.StatusCode);
        }

        Assert.Empty((await officer.Http.GetFromJsonAsync<JsonElement[]>("/api/silences?state=active", ct))!);

        // The fragments htmx refreshes: one part of the view, with its filters.
        var fragment = await officer.Http.GetStringAsync(new Uri("/ui/fragments/alerts?severity=critical&path=%2F", UriKind.Relative), ct);
        Assert.StartsWith("<div id=\"alerts\"", fragment, StringComparison.Ordinal);
        Assert.Contains("✔", fragment, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await officer.Http.GetAsync(new Uri("/ui/fragments/nope", UriKind.Relative), ct)).StatusCode);
        var metrics = await officer.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
        Assert.Contains("ecomonitor_page_actions_total{action=\"ack\",outcome=\"done\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ecomonitor_page_actions_total{action=\"ack\",outcome=\"not-found\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ecomonitor_http_refusals_total{reason=\"antiforgery\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_live_stream_is_bounded_and_sends_a_change_when_an_alert_fires()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"pl-{Guid.NewGuid():N}"[..12];
        await using var service = await ServiceUnderTest.StartAsync(servers, site, ct,
            $"--Alerts:RulesFile={await RulesAsync(ct)}", "--Ui:MaxLiveClients=1", "--Ui:LiveCheckInterval=00:00:00.200");
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var first = await http.GetAsync(new Uri("/ui/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal("text/event-stream", first.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await first.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
        Assert.Equal("retry: 3000", await reader.ReadLineAsync(ct));
        Assert.Equal("event: hello", await reader.ReadLineAsync(ct));

        using (var second = await http.GetAsync(new Uri("/ui/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
            Assert.Contains("Ui:MaxLiveClients", await second.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        Assert.Contains("ecomonitor_page_live_refused_total{reason=\"full\"} 1", await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct), StringComparison.Ordinal);
        await FireAsync(service, site, ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        string? line;
        do
        {
            line = await reader.ReadLineAsync(deadline.Token);
        }
        while (line is not null && line != "event: change");
        Assert.Equal("event: change", line);
    }

    public void Dispose() => File.Delete(_rules);

    private Task<string> RulesAsync(CancellationToken ct) => PageScenario.WriteRulesAsync(_rules, ct);

    private async Task<string> FireAsync(ServiceUnderTest service, string site, CancellationToken ct)
    {
        await PageScenario.PublishPm25Async(servers, site, "n1", 120, ct);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AuthClient.Token);
        JsonElement[] firing = [];
        await Eventually.WaitAsync(async () => (firing = (await http.GetFromJsonAsync<JsonElement[]>("/api/alerts?state=firing", ct))!).Length > 0, TimeSpan.FromSeconds(20), "the alert to fire", ct);
        return firing[0].GetProperty("id").GetString()!;
    }

    // A body of unknown length, so the client sends it chunked.
    private sealed class ChunkedOnly(string body) : MemoryStream(System.Text.Encoding.ASCII.GetBytes("comment=" + body))
    {
        public override bool CanSeek => false;
    }

    private static Task<HttpResponseMessage> PostFormAsync(AuthClient client, string path, Dictionary<string, string> fields, CancellationToken ct) =>
        client.Http.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(fields), ct);
}
