using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>
/// <c>POST /api/readings/corrections</c> (docs/http.md#corrections) against the real service and
/// VictoriaMetrics: every refusal with its status and nothing logged, then one correction logged.
/// </summary>
public sealed class CorrectionApiTests(Servers servers)
{
    private const string Token = "api-token-corrections-0123456789";

    [Fact(Timeout = 120_000)]
    public async Task Refusals_name_their_reason_and_log_nothing_and_a_correction_is_logged_with_the_old_and_new_value()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"cor-{Guid.NewGuid():N}"[..15];
        var directory = Directory.CreateTempSubdirectory("ecomonitor-corrections-");
        try
        {
            const string origin = "eco.example/corrections";
            var keyFile = Path.Combine(directory.FullName, "signing.key");
            await File.WriteAllTextAsync(keyFile, NoteKeys.Generate(origin).SignerKey + "\n", ct);
            await using var service = await ServiceUnderTest.StartAsync(servers, site, ct,
                $"--Audit:SigningKeyFile={keyFile}", $"--Audit:Origin={origin}", $"--Api:Token={Token}", "--Influx:ReadApi=VictoriaMetrics");
            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            var time = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds());
            await TestPublisher.MosquittoPubLinesAsync(servers.Mosquitto, $"eco/{site}/air/air-01", [EndToEndIngestTests.Payload(time, 1, ("pm25", 35.5))], ct);

            object Body(double value = 35.5, string device = "air-01", string? reason = "recalibrated against the reference analyser", string kind = "air") =>
                new { kind, site, device, metric = "pm25", time, value, reason, by = "officer.li" };

            // The same value, once the store shows the point: nothing to correct.
            await Eventually.WaitAsync(
                async () =>
                {
                    await servers.VictoriaMetrics.ForceFlushAsync(ct);
                    using var same = await PostAsync(http, Token, Body(), ct);
                    return same.StatusCode == HttpStatusCode.Conflict && (await same.Content.ReadAsStringAsync(ct)).Contains("already holds that value", StringComparison.Ordinal);
                },
                TimeSpan.FromSeconds(30),
                "the stored point to be found",
                ct);
            var records = AuditRecords(service);

            await AssertRefusedAsync(PostAsync(http, null, Body(80), ct), HttpStatusCode.Unauthorized, null);
            await AssertRefusedAsync(PostAsync(http, Token, Body(80, reason: null), ct), HttpStatusCode.BadRequest, "reason");
            await AssertRefusedAsync(PostAsync(http, Token, Body(80, reason: new string('x', 1001)), ct), HttpStatusCode.BadRequest, "reason");
            await AssertRefusedAsync(PostAsync(http, Token, Body(80, kind: "noise"), ct), HttpStatusCode.BadRequest, "kind");
            await AssertRefusedAsync(PostAsync(http, Token, Body(80, device: "air-99"), ct), HttpStatusCode.NotFound, "holds no air pm25");
            Assert.Equal(records, AuditRecords(service));

            using var corrected = await PostAsync(http, Token, Body(80), ct);
            Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
            using var answer = JsonDocument.Parse(await corrected.Content.ReadAsStringAsync(ct));
            Assert.Equal((35.5, 80.0, "officer.li"), (answer.RootElement.GetProperty("old").GetDouble(), answer.RootElement.GetProperty("new").GetDouble(), answer.RootElement.GetProperty("by").GetString()));
            Assert.Equal(records + 1, AuditRecords(service));
            var log = service.Services.GetRequiredService<EcoMonitor.Audit.Log.AuditLog>();
            var entry = log.Entries((ulong)answer.RootElement.GetProperty("index").GetInt64(), 1).Single();
            using var record = JsonDocument.Parse(entry.Leaf);
            Assert.Equal(("correction", 35.5, 80.0, "recalibrated against the reference analyser", "air-01"), (
                record.RootElement.GetProperty("type").GetString(),
                record.RootElement.GetProperty("old").GetDouble(),
                record.RootElement.GetProperty("new").GetDouble(),
                record.RootElement.GetProperty("reason").GetString(),
                record.RootElement.GetProperty("device").GetString()));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task With_auditing_off_a_correction_is_refused_as_it_would_be_silent()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"cof-{Guid.NewGuid():N}"[..15];
        await using var service = await ServiceUnderTest.StartAsync(servers, site, ct, $"--Api:Token={Token}", "--Influx:ReadApi=VictoriaMetrics");
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var body = new { kind = "air", site, device = "air-01", metric = "pm25", time = DateTimeOffset.UtcNow, value = 1.0, reason = "test", by = "officer.li" };
        await AssertRefusedAsync(PostAsync(http, Token, body, ct), HttpStatusCode.Conflict, "auditing is off");
    }

    private static double AuditRecords(ServiceUnderTest service) =>
        service.Services.GetRequiredService<EcoMonitor.Audit.Log.AuditMetrics>().Records.WithLabels("correction").Value;

    private static async Task AssertRefusedAsync(Task<HttpResponseMessage> sent, HttpStatusCode status, string? reason)
    {
        using var response = await sent;
        Assert.Equal(status, response.StatusCode);
        if (reason is not null)
        {
            Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string? token, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/readings/corrections") { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request, ct);
    }
}
