namespace EcoMonitor.Audit.Merkle;

/// <summary>
/// The writer of an append-only RFC 6962 tree over a node store: appends a leaf in O(log n)
/// hashes and gives the root of the current size without reading the store. One instance per
/// store, used by one thread at a time; readers use <see cref="MerkleProver"/> on the same store
/// (docs/audit.md#the-tree).
/// </summary>
public sealed class MerkleTree
{
    private readonly IMerkleNodeStore _store;
    private readonly CompactRange _edge;

    /// <summary>Continues the tree in <paramref name="store"/> at its current size (O(log n) reads).</summary>
    public MerkleTree(IMerkleNodeStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _edge = CompactRange.Of(store, store.LeafCount);
    }

    public ulong Size => _edge.Size;

    /// <summary>Appends the leaf with data <paramref name="data"/>; returns its index.</summary>
    public ulong Append(ReadOnlySpan<byte> data) => AppendLeafHash(Rfc6962.LeafHash(data));

    /// <summary>Appends a leaf by its hash (SHA-256(0x00 || data)); returns its index.</summary>
    public ulong AppendLeafHash(byte[] leafHash)
    {
        ArgumentNullException.ThrowIfNull(leafHash);
        if (leafHash.Length != Rfc6962.HashSize)
        {
            throw new ArgumentException($"a leaf hash is {Rfc6962.HashSize} bytes, not {leafHash.Length}", nameof(leafHash));
        }

        if (_store.LeafCount != _edge.Size)
        {
            throw new InvalidOperationException($"the store holds {_store.LeafCount} leaves but this tree wrote {_edge.Size}: a second writer?");
        }

        var index = _edge.Size;
        _store.Append(_edge.Append((byte[])leafHash.Clone()));
        return index;
    }

    /// <summary>MTH of the tree at its current size.</summary>
    public byte[] Root() => _edge.Root();
}
