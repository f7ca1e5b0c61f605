using EcoMonitor.Audit.Merkle;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>The tree, the prover and the verifier on the published vectors of sizes 0–8 (<see cref="MerkleVectors"/>).</summary>
public sealed class MerkleVectorTests
{
    private static readonly (MerkleTree Tree, MemoryNodeStore Store) Eight = TestTrees.Of(MerkleVectors.Leaves);

    private static MerkleProver Prover => new(Eight.Store);

    public static TheoryData<ulong, ulong> EveryInclusion =>
        [.. from size in Enumerable.Range(1, 8) from index in Enumerable.Range(0, size) select ((ulong)index, (ulong)size)];

    public static TheoryData<ulong, ulong> EveryConsistency =>
        [.. from size2 in Enumerable.Range(1, 8) from size1 in Enumerable.Range(1, size2) select ((ulong)size1, (ulong)size2)];

    [Fact]
    public void Leaf_and_node_hashes_are_the_published_ones()
    {
        Assert.Equal(MerkleVectors.Roots[0], Rfc6962.EmptyRoot());
        Assert.Equal(MerkleVectors.Nodes[0], MerkleVectors.Leaves.Select(l => Rfc6962.LeafHash(l)));
        for (var level = 1; level < MerkleVectors.Nodes.Length; level++)
        {
            var below = MerkleVectors.Nodes[level - 1];
            Assert.Equal(MerkleVectors.Nodes[level], below.Chunk(2).Select(pair => Rfc6962.NodeHash(pair[0], pair[1])));
        }
    }

    [Fact]
    public void The_tree_has_the_published_root_at_every_size_while_it_grows()
    {
        var tree = new MerkleTree(new MemoryNodeStore());
        Assert.Equal(MerkleVectors.Roots[0], tree.Root());
        for (var i = 0; i < MerkleVectors.Leaves.Length; i++)
        {
            Assert.Equal((ulong)i, tree.Append(MerkleVectors.Leaves[i]));
            Assert.Equal(MerkleVectors.Roots[i + 1], tree.Root());
        }
    }

    [Fact]
    public void The_store_holds_every_published_subtree_and_the_prover_every_published_root()
    {
        for (var level = 0; level < MerkleVectors.Nodes.Length; level++)
        {
            for (var index = 0; index < MerkleVectors.Nodes[level].Length; index++)
            {
                Assert.Equal(MerkleVectors.Nodes[level][index], Eight.Store.Read(level, (ulong)index));
            }
        }

        for (var size = 0; size <= 8; size++)
        {
            Assert.Equal(MerkleVectors.Roots[size], Prover.Root((ulong)size));
        }
    }

    [Fact]
    public void The_published_inclusion_proofs_are_produced_and_verify()
    {
        foreach (var (index, size, path) in MerkleVectors.Inclusions)
        {
            Assert.Equal(path, Prover.Inclusion(index, size).Path);
            var check = MerkleVerifier.VerifyInclusion(index, size, MerkleVectors.Nodes[0][index], path, MerkleVectors.Roots[size]);
            Assert.True(check.IsValid, $"{index}/{size}: {check.Failure}");
        }
    }

    [Fact]
    public void The_published_consistency_proofs_are_produced_and_verify()
    {
        foreach (var (size1, size2, path) in MerkleVectors.Consistencies)
        {
            Assert.Equal(path, Prover.Consistency(size1, size2).Path);
            var check = MerkleVerifier.VerifyConsistency(size1, size2, path, MerkleVectors.Roots[size1], MerkleVectors.Roots[size2]);
            Assert.True(check.IsValid, $"{size1}→{size2}: {check.Failure}");
        }
    }

    [Theory]
    [MemberData(nameof(EveryInclusion))]
    public void Every_inclusion_proof_up_to_eight_leaves_is_the_rfc_path_and_verifies(ulong index, ulong size)
    {
        var proof = Prover.Inclusion(index, size);
        Assert.Equal(RfcReference.Path((int)index, MerkleVectors.Leaves, 0, (int)size), proof.Path);
        var check = MerkleVerifier.VerifyInclusion(index, size, MerkleVectors.Nodes[0][index], proof.Path, MerkleVectors.Roots[size]);
        Assert.True(check.IsValid, check.Failure);
        Assert.False(MerkleVerifier.VerifyInclusion(index, size, MerkleVectors.Nodes[0][index], proof.Path, MerkleVectors.Roots[size - 1]).IsValid);
    }

    [Theory]
    [MemberData(nameof(EveryConsistency))]
    public void Every_consistency_proof_up_to_eight_leaves_is_the_rfc_proof_and_verifies(ulong size1, ulong size2)
    {
        var proof = Prover.Consistency(size1, size2);
        Assert.Equal(RfcReference.Proof((int)size1, MerkleVectors.Leaves, (int)size2), proof.Path);
        var check = MerkleVerifier.VerifyConsistency(size1, size2, proof.Path, MerkleVectors.Roots[size1], MerkleVectors.Roots[size2]);
        Assert.True(check.IsValid, check.Failure);
        Assert.False(MerkleVerifier.VerifyConsistency(size1, size2, proof.Path, MerkleVectors.Roots[size1 - 1], MerkleVectors.Roots[size2]).IsValid);
    }

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(1UL, 1UL)]
    [InlineData(8UL, 8UL)]
    [InlineData(0UL, 9UL)]
    public void The_prover_refuses_an_index_not_in_the_tree_or_a_size_not_stored(ulong index, ulong size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Prover.Inclusion(index, size));

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(0UL, 5UL)]
    [InlineData(3UL, 2UL)]
    [InlineData(4UL, 9UL)]
    public void The_prover_refuses_sizes_out_of_order_from_empty_or_not_stored(ulong size1, ulong size2) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Prover.Consistency(size1, size2));

    [Fact]
    public void The_verifier_names_what_is_wrong_with_its_arguments()
    {
        var leaf = MerkleVectors.Nodes[0][0];
        Assert.Contains("not below tree size", MerkleVerifier.VerifyInclusion(8, 8, leaf, [], MerkleVectors.Roots[8]).Failure, StringComparison.Ordinal);
        Assert.Contains("larger than size2", MerkleVerifier.VerifyConsistency(5, 4, [], MerkleVectors.Roots[5], MerkleVectors.Roots[4]).Failure, StringComparison.Ordinal);
        Assert.Contains("empty tree", MerkleVerifier.VerifyConsistency(0, 4, [], MerkleVectors.Roots[0], MerkleVectors.Roots[4]).Failure, StringComparison.Ordinal);
        Assert.Contains("bytes", MerkleVerifier.VerifyInclusion(0, 1, leaf[..31], [], MerkleVectors.Roots[1]).Failure, StringComparison.Ordinal);
    }
}
