namespace EcoMonitor.Audit.Log;

/// <summary>
/// Where each line of the log ends, in chunks that never move: the writer adds, readers read
/// below the count it published, without a lock (as MemoryNodeStore does for nodes).
/// </summary>
internal sealed class LineIndex
{
    private const int ChunkBits = 14;
    private const int ChunkSize = 1 << ChunkBits;

    private long[][] _chunks = [];
    private long _count;

    public long Count => Volatile.Read(ref _count);

    /// <summary>The byte range of line <paramref name="index"/>, its newline excluded.</summary>
    public (long Start, int Length) Range(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var chunks = Volatile.Read(ref _chunks);
        var end = End(chunks, index);
        var start = index == 0 ? 0 : End(chunks, index - 1);
        return (start, (int)(end - start - 1));
    }

    /// <summary>Adds the next line, which ends (after its newline) at <paramref name="end"/>.</summary>
    public void Add(long end)
    {
        var index = _count;
        var chunk = (int)(index >> ChunkBits);
        if (chunk == _chunks.Length)
        {
            long[][] grown = [.. _chunks, new long[ChunkSize]];
            Volatile.Write(ref _chunks, grown);
        }

        _chunks[chunk][index & (ChunkSize - 1)] = end;
        Volatile.Write(ref _count, index + 1);
    }

    private static long End(long[][] chunks, long index) => chunks[index >> ChunkBits][index & (ChunkSize - 1)];
}
