using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Alerting;

/// <summary><c>/api/alerts</c>: listing, one alert, and acknowledgement with its refusals.</summary>
public sealed class AlertApiTests(Servers servers) : IDisposable
{
    private const string Token = "api-token-0123456789abcdef";
    private readonly string _rules = Path.Combine(Path.GetTempPath(), $"ecomonitor-rules-{Guid.NewGuid():N}.yaml");

    [Fact]
    public async Task A_firing_alert_is_listed_and_acknowledged_once_authorised_and_a_resolved_one_cannot_be()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"api-{Guid.NewGuid():N}"[..16];
        await using var service = await StartAsync(site, ct, $"--Api:Token={Token}");
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        await PublishAsync(site, [("n1", 80), ("n2", 90)], 0, ct);
        var firing = await WaitForAlertsAsync(http, "firing", 2, ct);
        var id = firing.Single(a => a.GetProperty("device").GetString() == "n1").GetProperty("id").GetString()!;
        Assert.All(firing, a => Assert.Equal(("pm25-high", "warning", "air", site, "pm25"), (a.GetProperty("rule").GetString(), a.GetProperty("severity").GetString(), a.GetProperty("kind").GetString(), a.GetProperty("site").GetString(), a.GetProperty("metric").GetString())));

        Assert.Equal(HttpStatusCode.Unauthorized, (await AckAsync(http, id, null, new { by = "li" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AckAsync(http, id, "wrong-token-0123456789", new { by = "li" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await AckAsync(http, id, Token, new { comment = "no one" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await AckAsync(http, id, Token, new { by = new string('x', 101) }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await AckAsync(http, "0000000000000000", Token, new { by = "li" }, ct)).StatusCode);

        using var ok = await AckAsync(http, id, Token, new { by = "officer.li", comment = "sampling crew sent" }, ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var acked = await http.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}", ct);
        var ack = acked.GetProperty("acknowledgement");
        Assert.Equal(("officer.li", "sampling crew sent"), (ack.GetProperty("by").GetString(), ack.GetProperty("comment").GetString()));

        // n1 resolves: listed as resolved, and can no longer be acknowledged.
        await PublishAsync(site, [("n1", 40)], 10, ct);
        var resolved = await WaitForAlertsAsync(http, "resolved", 1, ct);
        Assert.Equal(id, resolved[0].GetProperty("id").GetString());
        Assert.NotEqual(JsonValueKind.Null, resolved[0].GetProperty("endsAt").ValueKind);
        Assert.Equal(HttpStatusCode.Conflict, (await AckAsync(http, id, Token, new { by = "li" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(new Uri("/api/alerts?state=bogus", UriKind.Relative), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/api/alerts/0000000000000000", UriKind.Relative), ct)).StatusCode);
        Assert.Equal(2, (await http.GetFromJsonAsync<JsonElement[]>("/api/alerts", ct))!.Length);
    }

    [Fact]
    public async Task Without_a_configured_token_acknowledging_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"apn-{Guid.NewGuid():N}"[..16];
        await using var service = await StartAsync(site, ct);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        await PublishAsync(site, [("n1", 80)], 0, ct);
        var id = (await WaitForAlertsAsync(http, "firing", 1, ct))[0].GetProperty("id").GetString()!;

        using var refused = await AckAsync(http, id, "anything-at-all-0123456789", new { by = "li" }, ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Api:Token", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    public void Dispose() => File.Delete(_rules);

    private async Task<ServiceUnderTest> StartAsync(string site, CancellationToken ct, params string[] extra)
    {
        await File.WriteAllTextAsync(_rules, """
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: warning
            """, ct);
        return await ServiceUnderTest.StartAsync(servers, site, ct, [$"--Alerts:RulesFile={_rules}", .. extra]);
    }

    private async Task PublishAsync(string site, (string Device, double Value)[] readings, int seconds, CancellationToken ct)
    {
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds());
        await TestPublisher.PublishAsync(
            servers.Mosquitto,
            readings.Select((r, i) => ($"eco/{site}/air/{r.Device}", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(t0.AddSeconds(seconds), seconds + i, ("pm25", r.Value))))),
            ct);
    }

    private static async Task<JsonElement[]> WaitForAlertsAsync(HttpClient http, string state, int count, CancellationToken ct)
    {
        JsonElement[] alerts = [];
        await Eventually.WaitAsync(
            async () => (alerts = (await http.GetFromJsonAsync<JsonElement[]>($"/api/alerts?state={state}", ct))!).Length >= count,
            TimeSpan.FromSeconds(20),
            $"{count} {state} alert(s)",
            ct);
        return alerts;
    }

    private static async Task<HttpResponseMessage> AckAsync(HttpClient http, string id, string? token, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{id}/ack") { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request, ct);
    }
}
