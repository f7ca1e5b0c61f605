
namespace EcoMonitor.Ingest.Storage.Spool;

/// <summary>
/// Reads the records of one closed segment in order. It stops at the first damaged or torn
/// record and says how many bytes from there on could not be read: records cannot be found
/// again after damage without guessing.
/// </summary>
internal sealed class SpoolSegmentReader : IDisposable
{
    private readonly FileStream _file;

    public SpoolSegmentReader(string path)
    {
        Path = path;
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
    }

    public string Path { get; }

    /// <summary>Bytes from the damaged record to the end of the segment; 0 when the segment is intact.</summary>
    public long DamagedBytes { get; private set; }

    public string? Damage { get; private set; }

    /// <summary>The next intact record, or null at the end of the segment or at damage.</summary>
    public async Task<IReadOnlyList<string>?> ReadNextAsync(CancellationToken cancellationToken)
    {
        var start = _file.Position;
        var remaining = _file.Length - start;
        if (remaining == 0 || DamagedBytes > 0)
        {
            return null;
        }

        var header = new byte[SpoolRecordFormat.HeaderBytes];
        if (remaining < header.Length)
        {
            return Damaged(start, remaining, "torn record header");
        }

        await _file.ReadExactlyAsync(header, cancellationToken);
        if (!SpoolRecordFormat.TryReadHeader(header, out var length, out var crc))
        {
            return Damaged(start, remaining, "invalid record header");
        }

        if (length > remaining - header.Length)
        {
            return Damaged(start, remaining, $"torn record: {length} payload bytes announced, {remaining - header.Length} present");
        }

        var payload = new byte[length];
        await _file.ReadExactlyAsync(payload, cancellationToken);
        if (!SpoolRecordFormat.IsIntact(payload, crc))
        {
            return Damaged(start, remaining, "checksum mismatch");
        }

        return SpoolRecordFormat.DecodePayload(payload);
    }

    public void Dispose() => _file.Dispose();

    private IReadOnlyList<string>? Damaged(long offset, long bytes, string what)
    {
        DamagedBytes = bytes;
        Damage = $"{what} at offset {offset}";
        return null;
    }
}
