using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace EcoMonitor.Ingest.Storage.Spool;

/// <summary>
/// A spool record on disk: magic, payload length, CRC-32 of the payload (all little-endian
/// 32-bit), then the payload: the batch's line-protocol points, one per line. The checksum
/// finds a record torn by a crash or damaged on disk.
/// </summary>
internal static class SpoolRecordFormat
{
    public const uint Magic = 0x50534345; // "ECSP"
    public const int HeaderBytes = 12;

    /// <summary>No record is larger; a header claiming more is damage, not a record.</summary>
    public const int MaxPayloadBytes = 256 << 20;

    public static byte[] Encode(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var payload = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        var record = new byte[HeaderBytes + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(4), payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), Crc32.HashToUInt32(payload));
        payload.CopyTo(record, HeaderBytes);
        return record;
    }

    public static IReadOnlyList<string> DecodePayload(ReadOnlySpan<byte> payload) =>
        payload.IsEmpty ? [] : Encoding.UTF8.GetString(payload).Split('\n');

    /// <summary>Reads the header; false when it is not a valid one (torn or damaged).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out int length, out uint crc)
    {
        length = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        crc = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        return BinaryPrimitives.ReadUInt32LittleEndian(header) == Magic && length >= 0 && length <= MaxPayloadBytes;
    }

    public static bool IsIntact(ReadOnlySpan<byte> payload, uint crc) => Crc32.HashToUInt32(payload) == crc;
}
