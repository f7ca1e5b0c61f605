using System.Text;
using System.Text.Json;
using EcoMonitor.Audit.Merkle;
using EcoMonitor.Audit.Notes;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary><c>audit keygen|verify|prove</c> (docs/cli.md#audit), verify on copies of a real log tampered with one way each.</summary>
public sealed class AuditCommandTests : IAsyncLifetime
{
    private const int Records = 200;

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("ecomonitor-audit-cli-");
    private TestAuditLog _log = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string VerifierKey => _log.Keys.VerifierKey;

    public async ValueTask InitializeAsync()
    {
        // A real log: 200 records of several types, checkpoints at 50, 120 and 200.
        _log = new TestAuditLog().Start();
        for (var i = 0; i < Records; i++)
        {
            await _log.Log.AppendAsync(TestAuditLog.Record(i), Ct);
            if (i + 1 is 50 or 120 or Records)
            {
                Assert.True(_log.Log.WriteCheckpointIfGrown());
            }
        }

        await _log.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _log.DisposeAsync();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task Keygen_writes_the_signer_key_0600_prints_only_the_verifier_key_and_never_overwrites()
    {
        var path = Path.Combine(_work.FullName, "audit.key");
        var (exit, output, error) = await RunAsync(["audit", "keygen", "--name", "eco.example/audit", "--out", path]);

        Assert.Equal(0, exit);
        Assert.Empty(error);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        var secret = File.ReadAllText(path);
        using var signer = NoteSigner.Parse(secret.Trim());
        Assert.Equal("eco.example/audit", signer.Name);
        var verifier = NoteVerifier.Parse(output.Trim());
        Assert.Equal(signer.VerifierKey, verifier.VerifierKey);
        Assert.DoesNotContain("PRIVATE", output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret.Trim().Split('+')[^1], output, StringComparison.Ordinal);

        var again = await RunAsync(["audit", "keygen", "--name", "eco.example/audit", "--out", path]);
        Assert.Equal(1, again.Exit);
        Assert.Contains("exists", again.Error, StringComparison.Ordinal);
        Assert.Empty(again.Output);
        Assert.Equal(secret, File.ReadAllText(path));
    }

    [Theory]
    [InlineData("audit", "keygen", "--out", "x")]
    [InlineData("audit", "keygen", "--name", "has space", "--out", "x")]
    public async Task Keygen_without_a_good_name_is_a_usage_error(params string[] args) =>
        Assert.Equal(2, (await RunAsync(args)).Exit);

    [Fact]
    public async Task A_clean_copy_verifies_with_the_key_given_or_derived_from_the_configured_signing_key()
    {
        var dir = Copy();
        var (exit, output, _) = await RunAsync(["audit", "verify", "--dir", dir, "--key", VerifierKey]);
        Assert.Equal(0, exit);
        Assert.Contains("200 record(s), 3 checkpoint(s) verified", output, StringComparison.Ordinal);

        var keyFile = Path.Combine(_work.FullName, "vkey");
        File.WriteAllText(keyFile, VerifierKey + "\n");
        Assert.Equal(0, (await RunAsync(["audit", "verify", "--dir", dir, "--key-file", keyFile])).Exit);
        Assert.Equal(0, (await RunAsync(["audit", "verify", "--dir", dir, $"--Audit:SigningKeyFile={_log.KeyFile}"])).Exit);
        Assert.Equal(0, (await RunAsync(["audit", "verify", $"--DataDirectory={Path.GetDirectoryName(dir)}", "--key", VerifierKey], Path.GetFileName(dir))).Exit);
    }

    [Fact]
    public async Task Verify_without_a_key_or_with_two_is_a_usage_error()
    {
        Assert.Equal(2, (await RunAsync(["audit", "verify", "--dir", Copy()])).Exit);
        Assert.Equal(2, (await RunAsync(["audit", "verify", "--dir", Copy(), "--key", VerifierKey, "--key-file", "f"])).Exit);
    }

    [Theory]
    [InlineData("site-", "site_", "record 57 (line 58) is not the record")]
    [InlineData("{\"at\"", "{\"at\"\"", "record 57 (line 58): not JSON")]
    [InlineData("\"n\":57", "\"n\":57.5", "record 57 (line 58)")]
    public async Task A_flipped_byte_names_its_record(string from, string to, string expected)
    {
        var dir = Copy();
        EditLines(dir, lines => lines[57] = lines[57].Replace(from, to, StringComparison.Ordinal));
        await AssertBadAsync(dir, expected);
    }

    [Fact]
    public async Task A_deleted_record_is_named() =>
        await AssertBadAsync(EditedCopy(lines => lines.RemoveAt(80)), "record 80 (line 81) is not the record");

    [Fact]
    public async Task Two_reordered_records_name_the_first() =>
        await AssertBadAsync(EditedCopy(lines => (lines[30], lines[31]) = (lines[31], lines[30])), "record 30 (line 31) is not the record");

    [Fact]
    public async Task A_log_cut_at_a_line_boundary_below_a_checkpoint_names_the_first_missing_record() =>
        await AssertBadAsync(EditedCopy(lines => lines.RemoveRange(150, Records - 150)), "record 150 (line 151) is missing");

    [Fact]
    public async Task A_log_cut_mid_line_names_the_incomplete_record()
    {
        var dir = Copy();
        var log = Path.Combine(dir, "log.jsonl");
        var bytes = File.ReadAllBytes(log);
        var offset = Offset(bytes, 150) + 10;
        File.WriteAllBytes(log, bytes[..offset]);
        await AssertBadAsync(dir, "record 150 (line 151)");
    }

    [Fact]
    public async Task A_checkpoint_signed_by_another_key_is_refused()
    {
        var dir = Copy();
        using var other = NoteSigner.Parse(NoteKeys.Generate(TestAuditLog.Origin).SignerKey);
        AppendCheckpoint(dir, new Checkpoint(TestAuditLog.Origin, Records, Root(Records)).Sign(other));
        await AssertBadAsync(dir, "refused, not signed by the log's key");
    }

    [Fact]
    public async Task A_replaced_latest_checkpoint_of_another_key_is_refused()
    {
        var dir = Copy();
        using var other = NoteSigner.Parse(NoteKeys.Generate(TestAuditLog.Origin).SignerKey);
        File.WriteAllText(Path.Combine(dir, "checkpoint"), new Checkpoint(TestAuditLog.Origin, Records, Root(Records)).Sign(other));
        await AssertBadAsync(dir, "the latest checkpoint");
    }

    [Fact]
    public async Task A_correctly_signed_checkpoint_with_a_wrong_root_is_refused()
    {
        var dir = Copy();
        using var signer = NoteSigner.Parse(_log.Keys.SignerKey);
        AppendCheckpoint(dir, new Checkpoint(TestAuditLog.Origin, Records, Root(121)).Sign(signer));
        await AssertBadAsync(dir, "checkpoint 4 of");
        Assert.Contains("forged", (await RunAsync(["audit", "verify", "--dir", dir, "--key", VerifierKey])).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prove_prints_an_inclusion_proof_that_verifies()
    {
        var dir = Copy();
        var (exit, output, _) = await RunAsync(["audit", "prove", "--dir", dir, "--index", "77", "--size", "120"]);
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(77UL, root.GetProperty("index").GetUInt64());
        Assert.Equal(120UL, root.GetProperty("size").GetUInt64());
        var leaf = Convert.FromBase64String(root.GetProperty("leaf").GetString()!);
        Assert.Equal(File.ReadAllLines(Path.Combine(dir, "log.jsonl"))[77], Encoding.UTF8.GetString(leaf));
        var hashes = root.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList();
        var treeRoot = Convert.FromBase64String(root.GetProperty("root").GetString()!);
        Assert.Equal(Root(120), treeRoot);
        Assert.True(MerkleVerifier.VerifyInclusion(77, 120, Rfc6962.LeafHash(leaf), hashes, treeRoot).IsValid);

        var whole = await RunAsync(["audit", "prove", "--dir", dir, "--index", "0"]);
        Assert.Equal(200UL, JsonDocument.Parse(whole.Output).RootElement.GetProperty("size").GetUInt64());
        Assert.Equal(1, (await RunAsync(["audit", "prove", "--dir", dir, "--index", "200"])).Exit);
        Assert.Equal(2, (await RunAsync(["audit", "prove", "--dir", dir, "--index", "x"])).Exit);
        Assert.Equal(2, (await RunAsync(["audit", "prove", "--dir", dir])).Exit);
    }

    private byte[] Root(ulong size) => EcoMonitor.Audit.Log.LoadedLog.Read(_log.Files).Prover.Root(size);

    private async Task AssertBadAsync(string dir, string expected)
    {
        var (exit, output, _) = await RunAsync(["audit", "verify", "--dir", dir, "--key", VerifierKey]);
        Assert.Equal(1, exit);
        var first = output.Split('\n')[0];
        Assert.Contains(expected, first, StringComparison.Ordinal);
    }

    private string Copy()
    {
        var to = Path.Combine(_work.FullName, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(_log.Files.Directory))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        return to;
    }

    private string EditedCopy(Action<List<string>> edit)
    {
        var dir = Copy();
        EditLines(dir, edit);
        return dir;
    }

    private static void EditLines(string dir, Action<List<string>> edit)
    {
        var path = Path.Combine(dir, "log.jsonl");
        var lines = File.ReadAllLines(path).ToList();
        edit(lines);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
    }

    private static void AppendCheckpoint(string dir, string note) =>
        File.AppendAllText(Path.Combine(dir, "checkpoints"), note + "\n");

    private static int Offset(byte[] log, int line)
    {
        var at = 0;
        for (var i = 0; i < line; i++)
        {
            at = Array.IndexOf(log, (byte)'\n', at) + 1;
        }

        return at;
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string[] args, string? auditDirName = null)
    {
        if (auditDirName is not null)
        {
            // DataDirectory/audit is the default directory: link the copy there.
            var data = args.Single(a => a.StartsWith("--DataDirectory=", StringComparison.Ordinal))["--DataDirectory=".Length..];
            var link = Path.Combine(data, "audit");
            if (!Directory.Exists(link))
            {
                Directory.CreateSymbolicLink(link, Path.Combine(data, auditDirName));
            }
        }

        return await AuditVerbs.RunAsync(args, Ct);
    }
}
