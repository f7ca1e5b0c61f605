using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Core.Audit;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>
/// <c>audit verify</c> on copies of a log the real service wrote during an alert episode (readings,
/// an alert that fires, an officer's acknowledgement through the API, the resolution): a flipped
/// byte, a deleted record, two records swapped and a cut log each name the first bad record; a
/// checkpoint signed by another key is refused (docs/audit.md#verification).
/// </summary>
public sealed class ServiceLogTamperTests(Servers servers) : IDisposable
{
    private const string Origin = "eco.example/audit-episode";
    private const string Token = "api-token-audit-episode-0123456789";
    private const string Officer = "officer.li";

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ecomonitor-audit-episode-");

    [Fact(Timeout = 180_000)]
    public async Task A_log_written_by_the_service_during_an_alert_episode_names_the_first_bad_record_of_each_tampering()
    {
        var ct = TestContext.Current.CancellationToken;
        var keys = NoteKeys.Generate(Origin);
        var audit = await RunEpisodeAsync(keys, ct);
        var lines = File.ReadAllLines(Path.Combine(audit, "log.jsonl")).ToList();
        var types = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("type").GetString()).ToList();
        Assert.Superset(new HashSet<string?> { AuditRecordTypes.Configuration, AuditRecordTypes.Rules, AuditRecordTypes.Readings, AuditRecordTypes.Alert, AuditRecordTypes.Acknowledgement }, types.ToHashSet());
        var firing = lines.FindIndex(l => l.Contains("\"type\":\"alert\"", StringComparison.Ordinal) && l.Contains("\"to\":\"firing\"", StringComparison.Ordinal));
        var ack = types.IndexOf(AuditRecordTypes.Acknowledgement);
        Assert.Contains(Officer, lines[ack], StringComparison.Ordinal);
        Assert.True(firing >= 0 && firing < ack, $"the firing transition ({firing}) before the acknowledgement ({ack})");

        var clean = await VerifyAsync(Copy(audit), keys.VerifierKey, ct);
        Assert.True(clean.Exit == 0, clean.Output);

        // Each tampering on its own copy; the first line of the report names the first bad record.
        await AssertFirstBadAsync(Edited(audit, l => l[ack] = l[ack].Replace(Officer, "officer.lu", StringComparison.Ordinal)), $"record {ack} (line {ack + 1}) is not the record");
        await AssertFirstBadAsync(Edited(audit, l => l.RemoveAt(firing)), $"record {firing} (line {firing + 1}) is not the record");
        await AssertFirstBadAsync(Edited(audit, l => (l[firing], l[ack]) = (l[ack], l[firing])), $"record {firing} (line {firing + 1}) is not the record");
        await AssertFirstBadAsync(Edited(audit, l => l.RemoveRange(ack, l.Count - ack)), $"record {ack} (line {ack + 1}) is missing");

        // A checkpoint over the true root, signed by someone else's key of the same name.
        var forged = Copy(audit);
        using (var other = NoteSigner.Parse(NoteKeys.Generate(Origin).SignerKey))
        {
            var latest = Checkpoint.Open(await File.ReadAllTextAsync(Path.Combine(audit, "checkpoint"), ct), NoteVerifier.Parse(keys.VerifierKey));
            await File.AppendAllTextAsync(Path.Combine(forged, "checkpoints"), new Checkpoint(Origin, latest.Size, [.. latest.RootHash]).Sign(other) + "\n", ct);
        }

        await AssertFirstBadAsync(forged, "refused, not signed by the log's key");

        async Task AssertFirstBadAsync(string dir, string expected)
        {
            var (exit, output) = await VerifyAsync(dir, keys.VerifierKey, ct);
            Assert.True(exit == 1, output);
            Assert.Contains(expected, output.Split('\n')[0], StringComparison.Ordinal);
        }
    }

    public void Dispose() => _work.Delete(recursive: true);

    /// <summary>The service with auditing on through an alert episode; returns its audit directory after it stopped.</summary>
    private async Task<string> RunEpisodeAsync(NoteKeyPair keys, CancellationToken ct)
    {
        var keyFile = Path.Combine(_work.FullName, "signing.key");
        await File.WriteAllTextAsync(keyFile, keys.SignerKey + "\n", ct);
        var rules = Path.Combine(_work.FullName, "rules.yaml");
        await File.WriteAllTextAsync(rules, """
            rules:
              - name: pm25-high
                kind: air
                metric: pm25
                above: 75
                severity: warning
            """, ct);
        var data = Directory.CreateDirectory(Path.Combine(_work.FullName, "data"));
        var site = $"tamper-{Guid.NewGuid():N}"[..16];
        await using (var service = await ServiceUnderTest.StartAsync(servers, site, ct,
            $"--DataDirectory={data.FullName}", $"--Alerts:RulesFile={rules}", $"--Api:Token={Token}",
            $"--Audit:SigningKeyFile={keyFile}", $"--Audit:Origin={Origin}", "--Audit:CheckpointInterval=00:00:01"))
        {
            using var http = new HttpClient { BaseAddress = service.BaseAddress };
            await PublishAsync(site, 0, 80, ct);
            var id = (await WaitForAlertAsync(http, "firing", ct)).GetProperty("id").GetString()!;

            using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{id}/ack") { Content = JsonContent.Create(new { by = Officer, comment = "sampling crew sent" }) })
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
                using var acked = await http.SendAsync(request, ct);
                Assert.Equal(HttpStatusCode.OK, acked.StatusCode);
            }

            await PublishAsync(site, 10, 40, ct);
            await WaitForAlertAsync(http, "resolved", ct);
        }

        // Stopped: the last checkpoint covers every record.
        return Path.Combine(data.FullName, "audit");
    }

    private async Task PublishAsync(string site, int seconds, double pm25, CancellationToken ct)
    {
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds());
        await TestPublisher.PublishAsync(
            servers.Mosquitto,
            [($"eco/{site}/air/n1", Encoding.UTF8.GetBytes(EndToEndIngestTests.Payload(t0.AddSeconds(seconds), seconds, ("pm25", pm25))))],
            ct);
    }

    private static async Task<JsonElement> WaitForAlertAsync(HttpClient http, string state, CancellationToken ct)
    {
        JsonElement[] alerts = [];
        await Eventually.WaitAsync(
            async () => (alerts = (await http.GetFromJsonAsync<JsonElement[]>($"/api/alerts?state={state}", ct))!).Length >= 1,
            TimeSpan.FromSeconds(20),
            $"a {state} alert",
            ct);
        return alerts[0];
    }

    private static async Task<(int Exit, string Output)> VerifyAsync(string dir, string verifierKey, CancellationToken ct)
    {
        var (exit, output, error) = await AuditVerbs.RunAsync(["audit", "verify", "--dir", dir, "--key", verifierKey], ct);
        return (exit, output + error);
    }

    private string Copy(string audit)
    {
        var to = Directory.CreateDirectory(Path.Combine(_work.FullName, Guid.NewGuid().ToString("N"))).FullName;
        foreach (var file in Directory.GetFiles(audit))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        return to;
    }

    private string Edited(string audit, Action<List<string>> edit)
    {
        var dir = Copy(audit);
        var path = Path.Combine(dir, "log.jsonl");
        var lines = File.ReadAllLines(path).ToList();
        edit(lines);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return dir;
    }
}
