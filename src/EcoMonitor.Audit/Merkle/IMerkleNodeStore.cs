namespace EcoMonitor.Audit.Merkle;

/// <summary>
/// Where a tree keeps the hash of every complete subtree, by (level, index): level 0 holds the
/// leaf hashes, node (k, i) covers leaves [i·2^k, (i+1)·2^k). Append-only with one writer; a
/// reader sees a prefix: every node of the first <see cref="LeafCount"/> leaves is readable once
/// <see cref="LeafCount"/> says so, and never changes after (docs/audit.md#node-storage).
/// </summary>
public interface IMerkleNodeStore
{
    /// <summary>Leaves whose nodes are all stored; grows only after their nodes are readable.</summary>
    ulong LeafCount { get; }

    /// <summary>
    /// The hash of complete subtree (<paramref name="level"/>, <paramref name="index"/>), which
    /// must lie within the first <see cref="LeafCount"/> leaves.
    /// </summary>
    byte[] Read(int level, ulong index);

    /// <summary>
    /// Stores leaf number <see cref="LeafCount"/>: <paramref name="nodes"/>[0] is its leaf hash,
    /// <paramref name="nodes"/>[k] the level-k subtree it completes; then publishes it. Called by
    /// one writer (<see cref="MerkleTree"/>) only.
    /// </summary>
    void Append(IReadOnlyList<byte[]> nodes);
}
