namespace EcoMonitor.Audit.Merkle;

/// <summary>
/// Roots and proofs for any size the store has published, from stored complete subtrees: each
/// costs O(log n) node reads (docs/audit.md#proofs). Safe to use while a <see cref="MerkleTree"/>
/// appends to the same store.
/// </summary>
public sealed class MerkleProver(IMerkleNodeStore store)
{
    private readonly IMerkleNodeStore _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <summary>MTH of the first <paramref name="size"/> leaves.</summary>
    public byte[] Root(ulong size)
    {
        RequirePublished(size, nameof(size));
        return size == 0 ? Rfc6962.EmptyRoot() : Subtree(0, size);
    }

    /// <summary>RFC 9162 §2.1.3.1 PATH(index, D[size]).</summary>
    public InclusionProof Inclusion(ulong index, ulong size)
    {
        RequirePublished(size, nameof(size));
        if (index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"leaf {index} is not in a tree of {size} leaves");
        }

        var path = new List<byte[]>();
        Path(index, 0, size, path);
        return new InclusionProof(index, size, path);
    }

    /// <summary>RFC 9162 §2.1.4.1 PROOF(size1, D[size2]), for 0 &lt; size1 ≤ size2.</summary>
    public ConsistencyProof Consistency(ulong size1, ulong size2)
    {
        RequirePublished(size2, nameof(size2));
        if (size1 == 0)
        {
            // Every tree extends the empty one; there is nothing to prove (RFC 9162 §2.1.4 defines 0 < size1).
            throw new ArgumentOutOfRangeException(nameof(size1), "a consistency proof starts from a non-empty tree");
        }

        if (size1 > size2)
        {
            throw new ArgumentOutOfRangeException(nameof(size1), $"size1 {size1} is larger than size2 {size2}");
        }

        var path = new List<byte[]>();
        SubProof(size1, 0, size2, true, path);
        return new ConsistencyProof(size1, size2, path);
    }

    // PATH(m, D[begin:end]), m relative to the whole tree; appends deepest first.
    private void Path(ulong m, ulong begin, ulong end, List<byte[]> path)
    {
        if (end - begin == 1)
        {
            return;
        }

        var k = SplitPoint(end - begin);
        if (m < begin + k)
        {
            Path(m, begin, begin + k, path);
            path.Add(Subtree(begin + k, end));
        }
        else
        {
            Path(m, begin + k, end, path);
            path.Add(Subtree(begin, begin + k));
        }
    }

    // SUBPROOF(m, D[begin:end], b), m relative to begin.
    private void SubProof(ulong m, ulong begin, ulong end, bool isOldRoot, List<byte[]> path)
    {
        if (m == end - begin)
        {
            if (!isOldRoot)
            {
                path.Add(Subtree(begin, end));
            }

            return;
        }

        var k = SplitPoint(end - begin);
        if (m <= k)
        {
            SubProof(m, begin, begin + k, isOldRoot, path);
            path.Add(Subtree(begin + k, end));
        }
        else
        {
            SubProof(m - k, begin + k, end, false, path);
            path.Add(Subtree(begin, begin + k));
        }
    }

    // MTH(D[begin:end]); only a range on the right edge is more than one stored subtree.
    private byte[] Subtree(ulong begin, ulong end) => CompactRange.Fold(CompactRange.Read(_store, begin, end));

    // The largest power of two smaller than n (n > 1).
    private static ulong SplitPoint(ulong n) => 1UL << (63 - (int)ulong.LeadingZeroCount(n - 1));

    private void RequirePublished(ulong size, string parameter)
    {
        var published = _store.LeafCount;
        if (size > published)
        {
            throw new ArgumentOutOfRangeException(parameter, $"size {size} is beyond the {published} leaves stored");
        }
    }
}
