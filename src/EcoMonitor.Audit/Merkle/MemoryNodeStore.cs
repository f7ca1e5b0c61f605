namespace EcoMonitor.Audit.Merkle;

/// <summary>
/// Nodes in memory, in <see cref="NodeLayout"/> order, in chunks that never move once written:
/// the writer fills a chunk, then publishes the leaf count, so readers need no lock
/// (docs/audit.md#node-storage).
/// </summary>
public sealed class MemoryNodeStore : IMerkleNodeStore
{
    private const int ChunkBits = 12;
    private const int ChunkNodes = 1 << ChunkBits;

    // Replaced (copied, larger) by the writer before a new chunk is used; readers see one at
    // least as new as the leaf count they read.
    private byte[][] _chunks = [];
    private ulong _leafCount;

    public ulong LeafCount => Volatile.Read(ref _leafCount);

    public byte[] Read(int level, ulong index)
    {
        var leaves = LeafCount;
        if (!NodeLayout.IsComplete(level, index, leaves))
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"node ({level}, {index}) is not complete in a tree of {leaves} leaves");
        }

        var position = NodeLayout.Position(level, index);
        var chunks = Volatile.Read(ref _chunks);
        var offset = (int)(position & (ChunkNodes - 1)) * Rfc6962.HashSize;
        return chunks[(int)(position >> ChunkBits)].AsSpan(offset, Rfc6962.HashSize).ToArray();
    }

    public void Append(IReadOnlyList<byte[]> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var leaf = _leafCount;
        if (nodes.Count != NodeLayout.NodesOfLeaf(leaf))
        {
            throw new ArgumentException($"leaf {leaf} stores {NodeLayout.NodesOfLeaf(leaf)} nodes, not {nodes.Count}", nameof(nodes));
        }

        var position = NodeLayout.NodeCount(leaf);
        foreach (var node in nodes)
        {
            if (node.Length != Rfc6962.HashSize)
            {
                throw new ArgumentException($"a node is {Rfc6962.HashSize} bytes, not {node.Length}", nameof(nodes));
            }

            var chunk = (int)(position >> ChunkBits);
            if (chunk == _chunks.Length)
            {
                byte[][] grown = [.. _chunks, new byte[ChunkNodes * Rfc6962.HashSize]];
                Volatile.Write(ref _chunks, grown);
            }

            node.CopyTo(_chunks[chunk].AsSpan((int)(position & (ChunkNodes - 1)) * Rfc6962.HashSize));
            position++;
        }

        Volatile.Write(ref _leafCount, leaf + 1);
    }
}
