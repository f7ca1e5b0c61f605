using EcoMonitor.Audit.Merkle;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>
/// A tree of 3,000 random leaves (fixed seed): the incremental roots against the RFC's recursive
/// MTH, sampled proofs against the RFC's PATH and PROOF and through the verifier, each from
/// O(log n) node reads; and every kind of tampering refused.
/// </summary>
public sealed class MerkleRandomTreeTests
{
    private const int Count = 3000;

    private static readonly byte[][] Leaves = TestTrees.RandomLeaves(Count, seed: 6962);

    private static readonly Lazy<(MerkleTree Tree, MemoryNodeStore Store, Dictionary<ulong, byte[]> Roots)> Built = new(() =>
    {
        var store = new MemoryNodeStore();
        var tree = new MerkleTree(store);
        var roots = new Dictionary<ulong, byte[]>();
        foreach (var leaf in Leaves)
        {
            tree.Append(leaf);
            roots[tree.Size] = tree.Root();
        }

        return (tree, store, roots);
    });

    private static readonly ulong[] SampleSizes =
    [
        1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257,
        511, 512, 513, 1000, 1023, 1024, 1025, 2047, 2048, 2049, 2999, 3000,
    ];

    [Fact]
    public void The_incremental_root_is_the_recursive_mth_and_the_prover_agrees()
    {
        var (_, store, roots) = Built.Value;
        var prover = new MerkleProver(store);
        foreach (var size in SampleSizes.Concat(Enumerable.Range(1, Count / 97).Select(i => (ulong)(i * 97))))
        {
            var expected = RfcReference.Mth(Leaves, 0, (int)size);
            Assert.Equal(expected, roots[size]);
            Assert.Equal(expected, prover.Root(size));
        }
    }

    [Fact]
    public void Sampled_inclusion_proofs_are_the_rfc_path_verify_and_cost_log_n_reads()
    {
        var (_, store, roots) = Built.Value;
        var counting = new CountingNodeStore(store);
        var prover = new MerkleProver(counting);
        var random = new Random(9162);
        for (var i = 0; i < 300; i++)
        {
            var size = (ulong)random.Next(1, Count + 1);
            var index = (ulong)random.NextInt64(0, (long)size);
            counting.Reads = 0;
            var proof = prover.Inclusion(index, size);
            Assert.InRange(counting.Reads, 0, ReadBound(size));
            Assert.Equal(RfcReference.Path((int)index, Leaves, 0, (int)size), proof.Path);
            var check = MerkleVerifier.VerifyInclusion(index, size, Rfc6962.LeafHash(Leaves[index]), proof.Path, roots[size]);
            Assert.True(check.IsValid, $"{index}/{size}: {check.Failure}");
        }
    }

    [Fact]
    public void Sampled_consistency_proofs_are_the_rfc_proof_verify_and_cost_log_n_reads()
    {
        var (_, store, roots) = Built.Value;
        var counting = new CountingNodeStore(store);
        var prover = new MerkleProver(counting);
        var random = new Random(6962);
        for (var i = 0; i < 300; i++)
        {
            var size2 = (ulong)random.Next(1, Count + 1);
            var size1 = (ulong)random.NextInt64(1, (long)size2 + 1);
            counting.Reads = 0;
            var proof = prover.Consistency(size1, size2);
            Assert.InRange(counting.Reads, 0, ReadBound(size2));
            Assert.Equal(RfcReference.Proof((int)size1, Leaves, (int)size2), proof.Path);
            var check = MerkleVerifier.VerifyConsistency(size1, size2, proof.Path, roots[size1], roots[size2]);
            Assert.True(check.IsValid, $"{size1}→{size2}: {check.Failure}");
        }
    }

    [Fact]
    public void A_tampered_inclusion_proof_fails()
    {
        var (_, store, roots) = Built.Value;
        var prover = new MerkleProver(store);
        var random = new Random(1);
        for (var i = 0; i < 200; i++)
        {
            var size = (ulong)random.Next(2, Count + 1);
            var index = (ulong)random.NextInt64(0, (long)size);
            var leaf = Rfc6962.LeafHash(Leaves[index]);
            var path = prover.Inclusion(index, size).Path.ToList();
            var root = roots[size];

            var at = random.Next(path.Count);
            List<byte[]> flipped = [.. path[..at], TestTrees.FlipBit(path[at], random.Next(256)), .. path[(at + 1)..]];
            Assert.False(MerkleVerifier.VerifyInclusion(index, size, leaf, flipped, root).IsValid, $"flipped bit in node {at} of {index}/{size}");
            Assert.False(MerkleVerifier.VerifyInclusion(index, size, TestTrees.FlipBit(leaf, random.Next(256)), path, root).IsValid, "flipped leaf");
            Assert.False(MerkleVerifier.VerifyInclusion(index, size, leaf, path, TestTrees.FlipBit(root, random.Next(256))).IsValid, "flipped root");
            Assert.False(MerkleVerifier.VerifyInclusion(index ^ 1, size, leaf, path, root).IsValid, $"index {index ^ 1} for {index}/{size}");
            Assert.False(MerkleVerifier.VerifyInclusion(index, size + 1, leaf, path, roots.GetValueOrDefault(size + 1, root)).IsValid, $"size {size + 1} for {index}/{size}");
            Assert.False(MerkleVerifier.VerifyInclusion(index, size * 2, leaf, path, root).IsValid, $"size {size * 2} for {index}/{size}");
            Assert.False(MerkleVerifier.VerifyInclusion(index, size, leaf, [.. path, path[0]], root).IsValid, "extended path");
            Assert.False(MerkleVerifier.VerifyInclusion(index, size, leaf, path[..^1], root).IsValid, "truncated path");
        }
    }

    [Fact]
    public void A_tampered_consistency_proof_fails()
    {
        var (_, store, roots) = Built.Value;
        var prover = new MerkleProver(store);
        var random = new Random(2);
        for (var i = 0; i < 200; i++)
        {
            var size2 = (ulong)random.Next(3, Count + 1);
            var size1 = (ulong)random.NextInt64(1, (long)size2);
            var path = prover.Consistency(size1, size2).Path.ToList();
            var (root1, root2) = (roots[size1], roots[size2]);

            var at = random.Next(path.Count);
            List<byte[]> flipped = [.. path[..at], TestTrees.FlipBit(path[at], random.Next(256)), .. path[(at + 1)..]];
            Assert.False(MerkleVerifier.VerifyConsistency(size1, size2, flipped, root1, root2).IsValid, $"flipped bit in node {at} of {size1}→{size2}");
            Assert.False(MerkleVerifier.VerifyConsistency(size1, size2, path, TestTrees.FlipBit(root1, random.Next(256)), root2).IsValid, "flipped root1");
            Assert.False(MerkleVerifier.VerifyConsistency(size1, size2, path, root1, TestTrees.FlipBit(root2, random.Next(256))).IsValid, "flipped root2");
            Assert.False(MerkleVerifier.VerifyConsistency(size1 + 1, size2, path, roots[size1 + 1], root2).IsValid, $"size1 {size1 + 1} for {size1}→{size2}");
            Assert.False(MerkleVerifier.VerifyConsistency(size1, size2 - 1, path, root1, roots[size2 - 1]).IsValid, $"size2 {size2 - 1} for {size1}→{size2}");
            Assert.False(MerkleVerifier.VerifyConsistency(size1, size2, [.. path, path[0]], root1, root2).IsValid, "extended proof");
            Assert.False(MerkleVerifier.VerifyConsistency(size1, size2, path[..^1], root1, root2).IsValid, "truncated proof");
            Assert.False(MerkleVerifier.VerifyConsistency(size1, size2, path, root2, root1).IsValid, "swapped roots");
        }
    }

    [Fact]
    public void A_tree_continued_on_its_store_goes_on_with_the_same_roots()
    {
        var store = new MemoryNodeStore();
        var first = new MerkleTree(store);
        foreach (var leaf in Leaves[..1234])
        {
            first.Append(leaf);
        }

        var second = new MerkleTree(store);
        Assert.Equal(first.Root(), second.Root());
        foreach (var leaf in Leaves[1234..])
        {
            second.Append(leaf);
        }

        Assert.Equal(Built.Value.Roots[Count], second.Root());
        Assert.Throws<InvalidOperationException>(() => first.Append([1]));
    }

    [Fact]
    public async Task Readers_prove_against_the_published_prefix_while_the_writer_appends()
    {
        var store = new MemoryNodeStore();
        var tree = new MerkleTree(store);
        var prover = new MerkleProver(store);
        var leaves = TestTrees.RandomLeaves(20_000, seed: 3);
        using var done = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            var checks = 0;
            while (!done.IsCancellationRequested || checks == 0)
            {
                var size = store.LeafCount;
                if (size == 0)
                {
                    continue;
                }

                var index = size - 1;
                var check = MerkleVerifier.VerifyInclusion(index, size, Rfc6962.LeafHash(leaves[index]), prover.Inclusion(index, size).Path, prover.Root(size));
                Assert.True(check.IsValid, $"{index}/{size}: {check.Failure}");
                checks++;
            }

            return checks;
        }, TestContext.Current.CancellationToken);

        foreach (var leaf in leaves)
        {
            tree.Append(leaf);
        }

        await done.CancelAsync();
        Assert.True(await reader.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken) > 0);
        Assert.Equal(tree.Root(), prover.Root(store.LeafCount));
    }

    // Two stored subtrees per level at most: the path's siblings and one right-edge range.
    private static int ReadBound(ulong size) => 2 * (64 - (int)ulong.LeadingZeroCount(size)) + 2;
}
