using EcoMonitor.Audit.Merkle;
using Microsoft.Win32.SafeHandles;

namespace EcoMonitor.Audit.Log;

/// <summary>
/// Nodes in a file of 32-byte slots in <see cref="NodeLayout"/> order (docs/audit.md#files):
/// a node is one positioned read, so a proof costs O(log n) reads. The writer writes a leaf's
/// nodes, then raises the count; readers only ask below it. Not fsynced: it is rebuilt from the
/// log when it disagrees.
/// </summary>
internal sealed class FileNodeStore : IMerkleNodeStore, IDisposable
{
    private readonly SafeFileHandle _handle;
    private ulong _leafCount;

    /// <summary>Opens a file whose first NodeCount(<paramref name="leaves"/>) slots are the nodes of that many leaves.</summary>
    public FileNodeStore(string path, ulong leaves)
    {
        _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        _leafCount = leaves;
    }

    public ulong LeafCount => Volatile.Read(ref _leafCount);

    public byte[] Read(int level, ulong index)
    {
        var leaves = LeafCount;
        if (!NodeLayout.IsComplete(level, index, leaves))
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"node ({level}, {index}) is not complete in a tree of {leaves} leaves");
        }

        var node = new byte[Rfc6962.HashSize];
        ReadExactly(_handle, node, (long)NodeLayout.Position(level, index) * Rfc6962.HashSize);
        return node;
    }

    public void Append(IReadOnlyList<byte[]> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var leaf = _leafCount;
        if (nodes.Count != NodeLayout.NodesOfLeaf(leaf))
        {
            throw new ArgumentException($"leaf {leaf} stores {NodeLayout.NodesOfLeaf(leaf)} nodes, not {nodes.Count}", nameof(nodes));
        }

        var buffer = new byte[nodes.Count * Rfc6962.HashSize];
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Length != Rfc6962.HashSize)
            {
                throw new ArgumentException($"a node is {Rfc6962.HashSize} bytes, not {nodes[i].Length}", nameof(nodes));
            }

            nodes[i].CopyTo(buffer, i * Rfc6962.HashSize);
        }

        // A failed write leaves the count as it was; the next attempt writes the same slots again.
        RandomAccess.Write(_handle, buffer, (long)NodeLayout.NodeCount(leaf) * Rfc6962.HashSize);
        Volatile.Write(ref _leafCount, leaf + 1);
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; a file that ends first is an <see cref="IOException"/>.</summary>
    internal static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer[read..], offset + read);
            if (n == 0)
            {
                throw new IOException($"the file ends at {offset + read}, before the {buffer.Length} bytes read from {offset}");
            }

            read += n;
        }
    }
}
