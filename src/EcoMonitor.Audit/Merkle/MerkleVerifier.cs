namespace EcoMonitor.Audit.Merkle;

/// <summary>
/// Checks proofs step by step as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) write
/// them, sharing nothing with <see cref="MerkleProver"/>, so a client needs only this and the
/// hash (docs/audit.md#verification). Inputs are untrusted: a wrong length or size is a failed
/// check, not an exception.
/// </summary>
public static class MerkleVerifier
{
    /// <summary>Whether <paramref name="path"/> proves leaf hash <paramref name="leafHash"/> is leaf <paramref name="index"/> of the tree of <paramref name="treeSize"/> leaves with root <paramref name="root"/>.</summary>
    public static ProofCheck VerifyInclusion(ulong index, ulong treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (index >= treeSize)
        {
            return ProofCheck.Fail($"leaf index {index} is not below tree size {treeSize}");
        }

        if (leafHash.Length != Rfc6962.HashSize || root.Length != Rfc6962.HashSize || !AreHashes(path))
        {
            return ProofCheck.Fail($"a hash is not {Rfc6962.HashSize} bytes");
        }

        // Steps 2–4.
        var fn = index;
        var sn = treeSize - 1;
        var r = leafHash.ToArray();
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return ProofCheck.Fail("the path is longer than the tree is high");
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = Rfc6962.NodeHash(p, r);
                (fn, sn) = ShiftUntilOddOrZero(fn, sn);
            }
            else
            {
                r = Rfc6962.NodeHash(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // Step 5.
        if (sn != 0)
        {
            return ProofCheck.Fail("the path is shorter than the tree is high");
        }

        return r.AsSpan().SequenceEqual(root) ? ProofCheck.Valid : ProofCheck.Fail("the path leads to another root");
    }

    /// <summary>Whether <paramref name="path"/> proves the tree of <paramref name="size1"/> leaves with root <paramref name="root1"/> is a prefix of the tree of <paramref name="size2"/> with root <paramref name="root2"/>.</summary>
    public static ProofCheck VerifyConsistency(ulong size1, ulong size2, IReadOnlyList<byte[]> path, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (size1 > size2)
        {
            return ProofCheck.Fail($"size1 {size1} is larger than size2 {size2}");
        }

        if (size1 == 0)
        {
            // The RFC's algorithm is for 0 < first; every tree extends the empty tree, so such a
            // "proof" shows nothing and is refused, as the reference verifier does.
            return ProofCheck.Fail("a consistency proof from the empty tree proves nothing");
        }

        if (root1.Length != Rfc6962.HashSize || root2.Length != Rfc6962.HashSize || !AreHashes(path))
        {
            return ProofCheck.Fail($"a hash is not {Rfc6962.HashSize} bytes");
        }

        if (size1 == size2)
        {
            if (path.Count != 0)
            {
                return ProofCheck.Fail("equal sizes need an empty proof");
            }

            return root1.SequenceEqual(root2) ? ProofCheck.Valid : ProofCheck.Fail("equal sizes but different roots");
        }

        // Step 1.
        if (path.Count == 0)
        {
            return ProofCheck.Fail("the proof is empty");
        }

        // Step 2.
        IEnumerable<byte[]> nodes = ulong.IsPow2(size1) ? path.Prepend(root1.ToArray()) : path;

        // Steps 3–5.
        var fn = size1 - 1;
        var sn = size2 - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        using var c = nodes.GetEnumerator();
        c.MoveNext();
        var fr = c.Current;
        var sr = c.Current;

        // Step 6.
        while (c.MoveNext())
        {
            if (sn == 0)
            {
                return ProofCheck.Fail("the proof is longer than the trees need");
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = Rfc6962.NodeHash(c.Current, fr);
                sr = Rfc6962.NodeHash(c.Current, sr);
                (fn, sn) = ShiftUntilOddOrZero(fn, sn);
            }
            else
            {
                sr = Rfc6962.NodeHash(sr, c.Current);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // Step 7.
        if (sn != 0)
        {
            return ProofCheck.Fail("the proof is shorter than the trees need");
        }

        if (!fr.AsSpan().SequenceEqual(root1))
        {
            return ProofCheck.Fail("the proof leads to another first root");
        }

        return sr.AsSpan().SequenceEqual(root2) ? ProofCheck.Valid : ProofCheck.Fail("the proof leads to another second root");
    }

    private static bool AreHashes(IReadOnlyList<byte[]> path) => path.All(p => p is { Length: Rfc6962.HashSize });

    // "If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn) is set or fn is 0."
    private static (ulong Fn, ulong Sn) ShiftUntilOddOrZero(ulong fn, ulong sn)
    {
        while ((fn & 1) == 0 && fn != 0)
        {
            fn >>= 1;
            sn >>= 1;
        }

        return (fn, sn);
    }
}
