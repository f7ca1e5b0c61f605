using System.Security.Cryptography;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>
/// RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 transcribed as written: MTH, PATH and PROOF by
/// recursion over the leaves' data, O(n) and sharing no code with EcoMonitor.Audit, to check the
/// tree and the prover against.
/// </summary>
internal static class RfcReference
{
    public static byte[] Mth(IReadOnlyList<byte[]> d, int begin, int end)
    {
        var n = end - begin;
        if (n == 0)
        {
            return SHA256.HashData(ReadOnlySpan<byte>.Empty);
        }

        if (n == 1)
        {
            return SHA256.HashData([0x00, .. d[begin]]);
        }

        var k = Split(n);
        return SHA256.HashData([0x01, .. Mth(d, begin, begin + k), .. Mth(d, begin + k, end)]);
    }

    public static List<byte[]> Path(int m, IReadOnlyList<byte[]> d, int begin, int end)
    {
        var n = end - begin;
        if (n == 1)
        {
            return [];
        }

        var k = Split(n);
        return m < k
            ? [.. Path(m, d, begin, begin + k), Mth(d, begin + k, end)]
            : [.. Path(m - k, d, begin + k, end), Mth(d, begin, begin + k)];
    }

    public static List<byte[]> Proof(int m, IReadOnlyList<byte[]> d, int n) => SubProof(m, d, 0, n, true);

    private static List<byte[]> SubProof(int m, IReadOnlyList<byte[]> d, int begin, int end, bool b)
    {
        var n = end - begin;
        if (m == n)
        {
            return b ? [] : [Mth(d, begin, end)];
        }

        var k = Split(n);
        return m <= k
            ? [.. SubProof(m, d, begin, begin + k, b), Mth(d, begin + k, end)]
            : [.. SubProof(m - k, d, begin + k, end, false), Mth(d, begin, begin + k)];
    }

    // The largest power of two smaller than n.
    private static int Split(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }
}
