namespace EcoMonitor.Audit.Merkle;

/// <summary>
/// The order in which a tree appends its nodes: leaf n, then the subtrees it completes, bottom
/// up. A position in that sequence is fixed by (level, index), so the nodes fit one append-only
/// run of fixed-size records (docs/audit.md#node-storage).
/// </summary>
internal static class NodeLayout
{
    /// <summary>Nodes stored once <paramref name="leaves"/> leaves are appended: 2n − popcount(n).</summary>
    public static ulong NodeCount(ulong leaves) => (2 * leaves) - (ulong)ulong.PopCount(leaves);

    /// <summary>How many nodes appending leaf <paramref name="leafIndex"/> stores: its leaf and the subtrees it completes.</summary>
    public static int NodesOfLeaf(ulong leafIndex) => 1 + (int)ulong.TrailingZeroCount(leafIndex + 1);

    /// <summary>
    /// Where node (<paramref name="level"/>, <paramref name="index"/>) is: it is stored with the
    /// last leaf it covers, after that leaf and the <paramref name="level"/> − 1 nodes below it.
    /// </summary>
    public static ulong Position(int level, ulong index)
    {
        var lastLeaf = ((index + 1) << level) - 1;
        return NodeCount(lastLeaf) + (ulong)level;
    }

    /// <summary>Whether node (level, index) is complete among the first <paramref name="leaves"/> leaves.</summary>
    public static bool IsComplete(int level, ulong index, ulong leaves) =>
        level is >= 0 and < 64 && index < (leaves >> level);
}
