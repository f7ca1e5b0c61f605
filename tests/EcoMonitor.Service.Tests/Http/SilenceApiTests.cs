using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Http;

/// <summary><c>/api/silences</c>: create with its refusals, list by state, expire, and both kept across a restart.</summary>
public sealed class SilenceApiTests(Servers servers) : IDisposable
{
    private const string Token = "api-token-0123456789abcdef";
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-silences-");

    [Fact]
    public async Task Silences_are_created_only_when_authorised_and_valid_listed_by_state_expired_and_kept_across_a_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"sil-{Guid.NewGuid():N}"[..16];
        var now = DateTimeOffset.UtcNow;
        var valid = new { matchers = new { site, rule = "pm25-*" }, endsAt = now.AddHours(4), comment = "calibration visit", author = "officer.wang" };
        string active, pending;
        await using (var service = await StartAsync(site, ct))
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress };

            // Refused before the body is read: no token, a wrong one, and no content type at all.
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, "/api/silences", null, valid, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, "/api/silences", "wrong-token-0123456789", valid, ct)).StatusCode);
            using (var raw = new HttpRequestMessage(HttpMethod.Post, "/api/silences") { Content = new ByteArrayContent("x"u8.ToArray()) })
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(raw, ct)).StatusCode);
            }

            // Refused with the reason: no comment, no matcher, a bad glob, an end in the past, a body too large.
            await AssertRefusedAsync(http, new { matchers = new { site }, endsAt = now.AddHours(1), author = "li" }, "comment", ct);
            await AssertRefusedAsync(http, new { matchers = new { }, endsAt = now.AddHours(1), comment = "all", author = "li" }, "at least one", ct);
            await AssertRefusedAsync(http, new { matchers = new { site = "[" }, endsAt = now.AddHours(1), comment = "c", author = "li" }, "matchers:Site", ct);
            await AssertRefusedAsync(http, new { matchers = new { site }, endsAt = now.AddHours(-1), comment = "c", author = "li" }, "future", ct);
            using (var big = await PostAsync(http, "/api/silences", Token, new { matchers = new { site }, endsAt = now.AddHours(1), comment = new string('x', 20_000), author = "li" }, ct))
            {
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
            }

            using var created = await PostAsync(http, "/api/silences", Token, valid, ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var silence = await created.Content.ReadFromJsonAsync<JsonElement>(ct);
            active = silence.GetProperty("id").GetString()!;
            Assert.Equal(("active", "officer.wang", "calibration visit", site), (silence.GetProperty("state").GetString(), silence.GetProperty("author").GetString(), silence.GetProperty("comment").GetString(), silence.GetProperty("matchers").GetProperty("site").GetString()));

            using var later = await PostAsync(http, "/api/silences", Token, new { matchers = new { site, device = "n2" }, startsAt = now.AddHours(2), endsAt = now.AddHours(3), comment = "planned works", author = "officer.wang" }, ct);
            pending = (await later.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;

            Assert.Equal([active], await IdsAsync(http, "active", ct));
            Assert.Equal([pending], await IdsAsync(http, "pending", ct));
            Assert.Empty(await IdsAsync(http, "expired", ct));

            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, $"/api/silences/{active}/expire", null, new { by = "li" }, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(http, "/api/silences/0000000000000000/expire", Token, new { by = "li" }, ct)).StatusCode);
            using var expired = await PostAsync(http, $"/api/silences/{active}/expire", Token, new { by = "officer.li" }, ct);
            Assert.Equal(HttpStatusCode.OK, expired.StatusCode);
            Assert.Equal("expired", (await expired.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("state").GetString());
            Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(http, $"/api/silences/{active}/expire", Token, new { by = "officer.li" }, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(new Uri("/api/silences?state=bogus", UriKind.Relative), ct)).StatusCode);
        }

        // A restart on the same data directory keeps both, each in its state; the configured one is listed and cannot be expired.
        await using (var service = await StartAsync(site, ct, $"--Notifications:Silences:0:Match:Site={site}", $"--Notifications:Silences:0:Until={now.AddDays(1):O}"))
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            Assert.Equal([active], await IdsAsync(http, "expired", ct));
            Assert.Equal([pending], await IdsAsync(http, "pending", ct));
            Assert.Equal(["config-0"], await IdsAsync(http, "active", ct));
            Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(http, "/api/silences/config-0/expire", Token, new { by = "li" }, ct)).StatusCode);
        }
    }

    public void Dispose() => _data.Delete(recursive: true);

    private Task<ServiceUnderTest> StartAsync(string site, CancellationToken ct, params string[] extra) =>
        ServiceUnderTest.StartAsync(servers, site, ct, [$"--Api:Token={Token}", $"--DataDirectory={_data.FullName}", .. extra]);

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string? token, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request, ct);
    }

    private static async Task AssertRefusedAsync(HttpClient http, object body, string reason, CancellationToken ct)
    {
        using var response = await PostAsync(http, "/api/silences", Token, body, ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    private static async Task<string[]> IdsAsync(HttpClient http, string state, CancellationToken ct) =>
        [.. (await http.GetFromJsonAsync<JsonElement[]>($"/api/silences?state={state}", ct))!.Select(s => s.GetProperty("id").GetString()!)];
}
