namespace EcoMonitor.Audit.Merkle;

/// <summary>
/// The right edge of a tree: the roots of its perfect subtrees, largest (leftmost) first, one per
/// set bit of the size. Enough to append a leaf and to compute the root, each in O(log n)
/// (docs/audit.md#the-tree).
/// </summary>
internal sealed class CompactRange
{
    private readonly List<byte[]> _roots = [];

    public ulong Size { get; private set; }

    /// <summary>The right edge of the first <paramref name="size"/> leaves of <paramref name="store"/>, one read per set bit.</summary>
    public static CompactRange Of(IMerkleNodeStore store, ulong size)
    {
        var range = new CompactRange { Size = size };
        range._roots.AddRange(Read(store, 0, size));
        return range;
    }

    /// <summary>
    /// The perfect subtrees that make up leaves [<paramref name="begin"/>, <paramref name="end"/>),
    /// largest first, one read each; <paramref name="begin"/> must be a multiple of a power of two
    /// at least <paramref name="end"/> − <paramref name="begin"/>, as every range of a proof is.
    /// </summary>
    public static List<byte[]> Read(IMerkleNodeStore store, ulong begin, ulong end)
    {
        var roots = new List<byte[]>();
        for (var level = 63; level >= 0; level--)
        {
            if ((((end - begin) >> level) & 1) == 1)
            {
                roots.Add(store.Read(level, begin >> level));
                begin += 1UL << level;
            }
        }

        return roots;
    }

    /// <summary>MTH of a non-empty range from its perfect subtrees: folded from the right.</summary>
    public static byte[] Fold(List<byte[]> roots)
    {
        var root = roots[^1];
        for (var i = roots.Count - 2; i >= 0; i--)
        {
            root = Rfc6962.NodeHash(roots[i], root);
        }

        return root;
    }

    /// <summary>
    /// Appends a leaf hash; returns it with the subtrees it completes, bottom up (what
    /// <see cref="IMerkleNodeStore.Append"/> takes).
    /// </summary>
    public List<byte[]> Append(byte[] leafHash)
    {
        var completed = new List<byte[]> { leafHash };
        var hash = leafHash;
        for (var level = 0; ((Size >> level) & 1) == 1; level++)
        {
            hash = Rfc6962.NodeHash(_roots[^1], hash);
            _roots.RemoveAt(_roots.Count - 1);
            completed.Add(hash);
        }

        _roots.Add(hash);
        Size++;
        return completed;
    }

    /// <summary>MTH of the range.</summary>
    public byte[] Root() => _roots.Count == 0 ? Rfc6962.EmptyRoot() : Fold(_roots);
}
