using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EcoMonitor.Audit.Merkle;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>
/// The service with auditing on, from outside (docs/audit.md#http): what it logged while readings
/// arrived is served as entries with their exact leaf bytes, and a third party holding only the
/// verifier key recomputes the root of the signed checkpoint with RFC 6962 and checks the proofs.
/// </summary>
public sealed class AuditHttpTests(Servers servers)
{
    [Fact(Timeout = 120_000)]
    public async Task A_verifier_with_only_the_public_key_recomputes_the_signed_root_from_the_entries_and_checks_every_proof()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"aud-{Guid.NewGuid():N}"[..15];
        var directory = Directory.CreateTempSubdirectory("ecomonitor-audit-http-");
        try
        {
            const string origin = "eco.example/audit-http";
            var keys = NoteKeys.Generate(origin);
            var keyFile = Path.Combine(directory.FullName, "signing.key");
            await File.WriteAllTextAsync(keyFile, keys.SignerKey + "\n", ct);
            await using var service = await ServiceUnderTest.StartAsync(servers, site, ct,
                $"--Audit:SigningKeyFile={keyFile}", $"--Audit:Origin={origin}", "--Audit:CheckpointInterval=00:00:01");
            using var http = new HttpClient { BaseAddress = service.BaseAddress };

            var start = DateTimeOffset.UtcNow.AddMinutes(-5);
            var lines = Enumerable.Range(0, 50).Select(i => EndToEndIngestTests.Payload(start.AddSeconds(i), i, ("pm25", 10 + i))).ToList();
            await TestPublisher.MosquittoPubLinesAsync(servers.Mosquitto, $"eco/{site}/air/air-01", lines, ct);
            await Eventually.WaitAsync(() => service.Metrics.MessagesAcknowledged.Value >= 50, TimeSpan.FromSeconds(30), "50 acknowledgements", ct);

            // A checkpoint covering the readings' records (the log grows; take one that covers them).
            var verifier = NoteVerifier.Parse(keys.VerifierKey);
            Checkpoint? checkpoint = null;
            await Eventually.WaitAsync(
                async () =>
                {
                    using var response = await http.GetAsync(new Uri("/audit/checkpoint", UriKind.Relative), ct);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        return false;
                    }

                    Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
                    checkpoint = Checkpoint.Open(await response.Content.ReadAsStringAsync(ct), verifier);
                    return await ReadingsCountAsync(http, checkpoint.Size, ct) >= 50;
                },
                TimeSpan.FromSeconds(30),
                "a checkpoint over the readings' records",
                ct);
            Assert.Equal(origin, checkpoint!.Origin);

            // Every entry up to the checkpoint: the leaf is the exact bytes, and the record is those bytes.
            var leaves = new List<byte[]>();
            var types = new HashSet<string>(StringComparer.Ordinal);
            using (var answer = JsonDocument.Parse(await http.GetStringAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"/api/audit/entries?start=0&count={checkpoint.Size}"), UriKind.Relative), ct)))
            {
                foreach (var entry in answer.RootElement.GetProperty("entries").EnumerateArray().Take((int)checkpoint.Size))
                {
                    Assert.Equal(leaves.Count, entry.GetProperty("index").GetInt32());
                    var leaf = entry.GetProperty("leaf").GetBytesFromBase64();
                    Assert.Equal(entry.GetProperty("record").GetRawText(), Encoding.UTF8.GetString(leaf));
                    types.Add(entry.GetProperty("record").GetProperty("type").GetString()!);
                    leaves.Add(leaf);
                }
            }

            Assert.Equal((int)checkpoint.Size, leaves.Count);
            Assert.Superset(new HashSet<string> { "config", "rules", "readings" }, types);
            var hashes = leaves.Select(l => Rfc6962.LeafHash(l)).ToList();
            var root = RfcReference.Mth(leaves, 0, leaves.Count);
            Assert.Equal(root, checkpoint.RootHash);

            for (var i = 0; i < hashes.Count; i++)
            {
                var path = await HashesAsync(http, string.Create(CultureInfo.InvariantCulture, $"/api/audit/proof/inclusion?index={i}&size={hashes.Count}"), ct);
                Assert.True(MerkleVerifier.VerifyInclusion((ulong)i, (ulong)hashes.Count, hashes[i], path, root).IsValid, $"inclusion of {i}");
            }

            var smaller = hashes.Count / 2;
            var consistency = await HashesAsync(http, string.Create(CultureInfo.InvariantCulture, $"/api/audit/proof/consistency?from={smaller}&to={hashes.Count}"), ct);
            Assert.True(MerkleVerifier.VerifyConsistency((ulong)smaller, (ulong)hashes.Count, consistency, RfcReference.Mth(leaves, 0, smaller), root).IsValid);

            // Bad requests are refused with a reason, never a server error.
            foreach (var bad in new[] { "/api/audit/proof/inclusion?index=5&size=2", "/api/audit/proof/consistency?from=0&to=1", "/api/audit/entries?count=5000", "/api/audit/entries?start=-1", "/api/audit/proof/inclusion?index=x" })
            {
                using var refused = await http.GetAsync(new Uri(bad, UriKind.Relative), ct);
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Without_a_signing_key_the_audit_endpoints_say_auditing_is_off()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var service = await ServiceUnderTest.StartAsync(servers, $"aud-off-{Guid.NewGuid():N}"[..15], ct);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        foreach (var path in new[] { "/audit/checkpoint", "/api/audit/entries", "/api/audit/proof/inclusion?index=0&size=1" })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("auditing is off", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }
    }

    private static async Task<int> ReadingsCountAsync(HttpClient http, ulong size, CancellationToken ct)
    {
        using var answer = JsonDocument.Parse(await http.GetStringAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"/api/audit/entries?start=0&count={Math.Max(1, Math.Min(size, 1000))}"), UriKind.Relative), ct));
        return answer.RootElement.GetProperty("entries").EnumerateArray().Take((int)size)
            .Select(e => e.GetProperty("record"))
            .Where(r => r.GetProperty("type").GetString() == "readings")
            .Sum(r => r.GetProperty("count").GetInt32());
    }

    private static async Task<List<byte[]>> HashesAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var answer = JsonDocument.Parse(await http.GetStringAsync(new Uri(path, UriKind.Relative), ct));
        return [.. answer.RootElement.GetProperty("hashes").EnumerateArray().Select(h => h.GetBytesFromBase64())];
    }
}
