using EcoMonitor.Audit.Merkle;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>Trees for the proof tests, built through the writer, and a store that counts its reads.</summary>
internal static class TestTrees
{
    public static (MerkleTree Tree, MemoryNodeStore Store) Of(IEnumerable<byte[]> leaves)
    {
        var store = new MemoryNodeStore();
        var tree = new MerkleTree(store);
        foreach (var leaf in leaves)
        {
            tree.Append(leaf);
        }

        return (tree, store);
    }

    public static byte[][] RandomLeaves(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var leaf = new byte[random.Next(0, 48)];
            random.NextBytes(leaf);
            return leaf;
        })];
    }

    public static byte[] FlipBit(byte[] hash, int bit)
    {
        var copy = (byte[])hash.Clone();
        copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }
}

/// <summary>Passes reads to a store and counts them, to hold proofs to O(log n) reads.</summary>
internal sealed class CountingNodeStore(IMerkleNodeStore inner) : IMerkleNodeStore
{
    public int Reads { get; set; }

    public ulong LeafCount => inner.LeafCount;

    public byte[] Read(int level, ulong index)
    {
        Reads++;
        return inner.Read(level, index);
    }

    public void Append(IReadOnlyList<byte[]> nodes) => inner.Append(nodes);
}
