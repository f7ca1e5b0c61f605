namespace EcoMonitor.Audit.Merkle;

/// <summary>RFC 9162 §2.1.3: the audit path of leaf <paramref name="Index"/> in the tree of <paramref name="TreeSize"/> leaves, leaf side first.</summary>
public sealed record InclusionProof(ulong Index, ulong TreeSize, IReadOnlyList<byte[]> Path);

/// <summary>RFC 9162 §2.1.4: the nodes that show the tree of <paramref name="Size1"/> leaves is a prefix of the tree of <paramref name="Size2"/>.</summary>
public sealed record ConsistencyProof(ulong Size1, ulong Size2, IReadOnlyList<byte[]> Path);

/// <summary>What a verifier found: valid, or why not.</summary>
public readonly record struct ProofCheck(bool IsValid, string? Failure)
{
    public static ProofCheck Valid => new(true, null);

    public static ProofCheck Fail(string failure) => new(false, failure);
}
