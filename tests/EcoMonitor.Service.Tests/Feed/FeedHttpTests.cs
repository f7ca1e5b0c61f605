using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Feed;

/// <summary>
/// <c>/feeds</c> end to end: a reading published on the real broker fires a public rule and its CAP
/// message appears in the Atom index and at its own address; conditional requests answer 304;
/// a rule that is not public never shows; the feed is the same after a restart.
/// </summary>
public sealed class FeedHttpTests(Servers servers) : IDisposable
{
    private readonly string _rules = Path.Combine(Path.GetTempPath(), $"ecomonitor-feed-rules-{Guid.NewGuid():N}.yaml");
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-feed-http-");

    [Fact]
    public async Task A_published_reading_that_fires_a_public_rule_appears_as_a_valid_CAP_message_served_with_ETag_and_304()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"fd-{Guid.NewGuid():N}"[..16];
        string link;
        byte[] bytes;
        string etag;
        await using (var service = await StartAsync(site, ct))
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            await PublishAsync(site, 80, 0, ct);
            var entry = await WaitForEntriesAsync(http, 1, ct);
            link = entry[0];

            using var response = await http.GetAsync(new Uri(link), ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/cap+xml", response.Content.Headers.ContentType?.MediaType);
            bytes = await response.Content.ReadAsByteArrayAsync(ct);
            var alert = CapAssert.Valid(bytes);
            Assert.Equal("Alert", CapAssert.Text(alert, "msgType"));
            Assert.Equal("Town centre", CapAssert.Text(CapAssert.Info(alert, "en").Element(CapAssert.Cap + "area")!, "areaDesc"));
            Assert.DoesNotContain("n1", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
            etag = response.Headers.ETag!.Tag;
            var lastModified = response.Content.Headers.LastModified!.Value;

            // Conditional requests, as aggregators poll.
            Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(http, link, r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag)), ct)).StatusCode);
            Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(http, link, r => r.Headers.IfModifiedSince = lastModified, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, link, r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"other\"")), ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, link, r => r.Headers.IfModifiedSince = lastModified.AddSeconds(-1), ct)).StatusCode);
            using var index = await http.GetAsync(new Uri("/feeds/alerts.cap.xml", UriKind.Relative), ct);
            Assert.Equal("application/atom+xml", index.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(index.Content.Headers.LastModified);
            Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(http, "/feeds/alerts.cap.xml", r => r.Headers.IfNoneMatch.Add(index.Headers.ETag!), ct)).StatusCode);

            // Unknown and malformed identifiers.
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/feeds/cap/20261202T000000-0000000000000000-1.xml", UriKind.Relative), ct)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"/feeds/cap/{new string('a', 65)}.xml", UriKind.Relative), ct)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/feeds/cap/a%2C b.xml", UriKind.Relative), ct)).StatusCode);

            // The non-public rule fired on the same reading (see /api/alerts) and is not in the feed.
            Assert.Single(CapAssert.Linked(CapAssert.AtomIndex(await http.GetByteArrayAsync(new Uri("/feeds/alerts.cap.xml", UriKind.Relative), ct))));
            Assert.Contains("pm25-internal", await http.GetStringAsync(new Uri("/api/alerts?state=firing", UriKind.Relative), ct), StringComparison.Ordinal);
            Assert.Contains("ecomonitor_feed_messages_total{msgType=\"Alert\",reason=\"start\"} 1", await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct), StringComparison.Ordinal);
        }

        // Restart on the same data directory: the same message, byte for byte, with the same ETag.
        await using (var service = await StartAsync(site, ct))
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            var path = new Uri(link).AbsolutePath;
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync(ct));
            Assert.Equal(etag, response.Headers.ETag!.Tag);

            // The reading clears: an all-clear Update referencing the Alert, and the index names it.
            await PublishAsync(site, 30, 10, ct);
            var entries = await WaitForEntriesAsync(http, 1, ct, e => !e.EndsWith(path, StringComparison.Ordinal));
            var clear = CapAssert.Valid(await http.GetByteArrayAsync(new Uri(entries[0]), ct));
            Assert.Equal("AllClear", CapAssert.Text(CapAssert.Info(clear, "en"), "responseType"));
            Assert.Equal([CapAssert.Triplet(CapAssert.Valid(bytes))], CapAssert.References(clear));
        }
    }

    public void Dispose()
    {
        File.Delete(_rules);
        _data.Delete(recursive: true);
    }

    private async Task<ServiceUnderTest> StartAsync(string site, CancellationToken ct)
    {
        await File.WriteAllTextAsync(_rules, """
            rules:
              - name: pm25-public
                kind: air
                metric: pm25
                above: 75
                clear_below: 60
                severity: warning
                public: true
              - name: pm25-internal
                kind: air
                metric: pm25
                above: 70
                severity: info
            """, ct);
        return await ServiceUnderTest.StartAsync(
            servers,
            site,
            ct,
            [
                $"--Alerts:RulesFile={_rules}",
                $"--DataDirectory={_data.FullName}",
                "--Feed:Sender=ecomonitor@env.example.gov.cn",
                "--Feed:TimeZone=Asia/Shanghai",
                $"--Feed:Sites:{site}:AreaDescEn=Town centre",
                $"--Feed:Sites:{site}:AreaDescZh=城区",
                $"--Feed:Sites:{site}:Circle=30.55,114.36 2",
                $"--Feed:Sites:{site}:Adcode=420102",
            ]);
    }

    private async Task PublishAsync(string site, double value, int seconds, CancellationToken ct)
    {
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds());
        await TestPublisher.PublishAsync(
            servers.Mosquitto,
            [($"eco/{site}/air/n1", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(t0.AddSeconds(seconds), seconds, ("pm25", value))))],
            ct);
    }

    /// <summary>Waits until the index has <paramref name="count"/> entries (matching <paramref name="where"/>); returns their links.</summary>
    private static async Task<IReadOnlyList<string>> WaitForEntriesAsync(HttpClient http, int count, CancellationToken ct, Func<string, bool>? where = null)
    {
        IReadOnlyList<string> links = [];
        await Eventually.WaitAsync(
            async () =>
            {
                var feed = CapAssert.AtomIndex(await http.GetByteArrayAsync(new Uri("/feeds/alerts.cap.xml", UriKind.Relative), ct));
                links = [.. feed.Elements(CapAssert.Atom + "entry")
                    .Select(e => (string)e.Elements(CapAssert.Atom + "link").Single(l => (string?)l.Attribute("rel") == "alternate").Attribute("href")!)
                    .Where(l => where?.Invoke(l) ?? true)];
                return links.Count >= count;
            },
            TimeSpan.FromSeconds(30),
            $"{count} entr(ies) in the feed",
            ct);
        return links;
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, Action<HttpRequestMessage> conditions, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.RelativeOrAbsolute));
        conditions(request);
        return await http.SendAsync(request, ct);
    }
}
