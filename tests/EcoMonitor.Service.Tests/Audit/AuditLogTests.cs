using System.Text;
using EcoMonitor.Audit.Log;
using EcoMonitor.Audit.Merkle;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Core.Audit;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>The log on disk: exact lines, proofs, group commit, recovery (docs/audit.md#recovery).</summary>
public sealed class AuditLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Appends_are_canonical_lines_with_their_indexes_and_the_read_apis_prove_them()
    {
        await using var test = new TestAuditLog().Start();
        var records = Enumerable.Range(0, 20).Select(i => TestAuditLog.Record(i)).ToList();
        for (var i = 0; i < records.Count; i++)
        {
            Assert.Equal(i, await test.Log.AppendAsync(records[i], Ct));
        }

        var expected = records.SelectMany(r => CanonicalJson.Serialize(r).Append((byte)'\n')).ToArray();
        Assert.Equal(expected, File.ReadAllBytes(test.Files.Log));
        Assert.Equal(20UL, test.Log.Size);

        var entries = test.Log.Entries(5, 100);
        Assert.Equal(15, entries.Count);
        Assert.Equal(5UL, entries[0].Index);
        Assert.Equal(CanonicalJson.Serialize(records[5]), entries[0].Leaf);
        Assert.Equal(CanonicalJson.Serialize(records[19]), entries[^1].Leaf);
        Assert.Empty(test.Log.Entries(20, 5));

        var root = test.Log.Root(20);
        for (ulong i = 0; i < 20; i++)
        {
            var proof = test.Log.Inclusion(i, 20);
            Assert.True(MerkleVerifier.VerifyInclusion(i, 20, Rfc6962.LeafHash(CanonicalJson.Serialize(records[(int)i])), proof.Path, root).IsValid);
        }

        var consistency = test.Log.Consistency(7, 20);
        Assert.True(MerkleVerifier.VerifyConsistency(7, 20, consistency.Path, test.Log.Root(7), root).IsValid);
        Assert.Equal(20, test.Metrics.Records.WithLabels(AuditRecordTypes.Alert).Value + test.Metrics.Records.WithLabels(AuditRecordTypes.Notification).Value
            + test.Metrics.Records.WithLabels(AuditRecordTypes.Readings).Value + test.Metrics.Records.WithLabels(AuditRecordTypes.Acknowledgement).Value
            + test.Metrics.Records.WithLabels(AuditRecordTypes.Silence).Value);
        Assert.Equal(expected.Length, test.Metrics.LogBytes.Value);
    }

    [Fact]
    public async Task Queued_appends_are_one_fsync_batch_and_get_indexes_0_to_n_minus_1_once_each()
    {
        await using var test = new TestAuditLog();
        test.Log.Open();

        // Queued before the writer runs: its first drain takes them all.
        var appends = Enumerable.Range(0, 300).Select(i => test.Log.AppendAsync(TestAuditLog.Record(i), Ct).AsTask()).ToList();
        test.StartWriter();
        var indexes = await Task.WhenAll(appends);

        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), indexes.Order());
        Assert.Equal(1, test.Log.Commits);
        Assert.Equal(300UL, test.Log.Size);
    }

    [Fact]
    public async Task Concurrent_appends_get_distinct_indexes_and_fewer_fsyncs_than_records()
    {
        await using var test = new TestAuditLog().Start();
        var indexes = await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => Task.Run(() => test.Log.AppendAsync(TestAuditLog.Record(i), Ct).AsTask(), Ct)));

        Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), indexes.Order());
        Assert.True(test.Log.Commits >= 2 && test.Log.Commits <= 2000);

        // Each record is at the line its index names.
        var lines = File.ReadAllLines(test.Files.Log);
        var entries = test.Log.Entries(0, 2000);
        Assert.Equal(lines, entries.Select(e => Encoding.UTF8.GetString(e.Leaf)));
    }

    [Fact]
    public async Task A_reopened_log_continues_its_indexes_and_its_tree()
    {
        var test = new TestAuditLog().Start();
        for (var i = 0; i < 10; i++)
        {
            await test.Log.AppendAsync(TestAuditLog.Record(i), Ct);
        }

        var root10 = test.Log.Root(10);
        await test.StopAsync();

        await using var again = test.Reopen().Start();
        Assert.Equal(10UL, again.Log.Size);
        Assert.Equal(root10, again.Log.Root(10));
        Assert.Equal(10, await again.Log.AppendAsync(TestAuditLog.Record(10), Ct));
        Assert.Equal(ReferenceRoot(again.Files), again.Log.Root(11));
    }

    [Fact]
    public async Task A_torn_last_line_is_cut_off_counted_and_the_log_continues()
    {
        var test = await WrittenAsync(5);
        var before = File.ReadAllBytes(test.Files.Log);
        File.AppendAllText(test.Files.Log, "{\"at\":\"2026-12-01T08:00:00.000Z\",\"ty");

        await using var again = test.Reopen();
        again.Log.Open();
        again.StartWriter();
        Assert.Equal(5UL, again.Log.Size);
        Assert.Equal(before, File.ReadAllBytes(again.Files.Log));
        Assert.Equal(1, again.Metrics.Recoveries.WithLabels("torn-tail").Value);
        Assert.Equal(5, await again.Log.AppendAsync(TestAuditLog.Record(5), Ct));
        Assert.Equal(6, File.ReadAllLines(again.Files.Log).Length);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("shorter")]
    [InlineData("corrupt")]
    public async Task The_node_file_is_rebuilt_from_the_log_when_missing_short_or_wrong(string damage)
    {
        var test = await WrittenAsync(37);
        var root = ReferenceRoot(test.Files);
        var nodes = File.ReadAllBytes(test.Files.Nodes);
        switch (damage)
        {
            case "missing":
                File.Delete(test.Files.Nodes);
                break;
            case "shorter":
                File.WriteAllBytes(test.Files.Nodes, nodes[..(nodes.Length / 2)]);
                break;
            default:
                nodes[100] ^= 0x40;
                File.WriteAllBytes(test.Files.Nodes, nodes);
                break;
        }

        await using var again = test.Reopen().Start();
        Assert.Equal(37UL, again.Log.Size);
        Assert.Equal(root, again.Log.Root(37));
        Assert.Equal(1, again.Metrics.Recoveries.WithLabels("nodes-rebuilt").Value);
        nodes[100] ^= damage == "corrupt" ? (byte)0x40 : (byte)0;
        Assert.Equal(nodes, File.ReadAllBytes(again.Files.Nodes));
    }

    [Fact]
    public async Task A_record_that_does_not_parse_is_a_start_error_naming_its_line()
    {
        var test = await WrittenAsync(4);
        var lines = File.ReadAllLines(test.Files.Log);
        lines[2] = lines[2].Replace("\"n\":2", "\"n\":2,", StringComparison.Ordinal);
        File.WriteAllText(test.Files.Log, string.Join('\n', lines) + "\n");

        await using var again = test.Reopen();
        var error = Assert.Throws<AuditLogException>(again.Log.Open);
        Assert.Contains("line 3 (record 2)", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, File.ReadAllLines(test.Files.Log).Length);
    }

    [Fact]
    public async Task A_log_shorter_than_its_latest_checkpoint_is_a_start_error()
    {
        var test = new TestAuditLog().Start();
        for (var i = 0; i < 6; i++)
        {
            await test.Log.AppendAsync(TestAuditLog.Record(i), Ct);
        }

        Assert.True(test.Log.WriteCheckpointIfGrown());
        await test.StopAsync();
        var lines = File.ReadAllLines(test.Files.Log);
        File.WriteAllText(test.Files.Log, string.Join('\n', lines[..5]) + "\n");

        await using var again = test.Reopen();
        Assert.Contains("records were lost", Assert.Throws<AuditLogException>(again.Log.Open).Message, StringComparison.Ordinal);
    }

    internal static async Task<TestAuditLog> WrittenAsync(int count)
    {
        var test = new TestAuditLog().Start();
        for (var i = 0; i < count; i++)
        {
            await test.Log.AppendAsync(TestAuditLog.Record(i), Ct);
        }

        await test.StopAsync();
        return test;
    }

    // The root recomputed from the lines alone.
    private static byte[] ReferenceRoot(AuditFiles files)
    {
        var tree = new MerkleTree(new MemoryNodeStore());
        foreach (var line in File.ReadAllLines(files.Log))
        {
            tree.Append(Encoding.UTF8.GetBytes(line));
        }

        return tree.Root();
    }
}
