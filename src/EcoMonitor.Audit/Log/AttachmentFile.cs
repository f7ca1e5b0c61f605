using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace EcoMonitor.Audit.Log;

/// <summary>Where one attachment lies in <c>attachments.bin</c>: the header's SHA-256 (not trusted), and the compressed body.</summary>
public readonly record struct AttachmentLocation(string Sha256, long Offset, int Length);

/// <summary>
/// <c>attachments.bin</c> (docs/audit.md#attachments): the bytes a record binds by its
/// <c>sha256</c> field but does not carry, such as a readings batch's canonical points. Frames are
/// appended, never rewritten: <c>{sha256 hex} {length}\n</c> then <c>length</c> bytes of gzip.
/// The header only locates a frame; a reader hashes what it decompresses and compares it with the
/// record, which the Merkle tree covers.
/// </summary>
public static class AttachmentFile
{
    private const int MaxHeader = 64 + 1 + 10 + 1;

    /// <summary>Most bytes one attachment may hold once decompressed (a reader refuses more).</summary>
    public const int MaxContent = 256 * 1024 * 1024;

    /// <summary>The frame of <paramref name="content"/>, ready to append.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> content)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(content));
        using var body = new MemoryStream();
        using (var gzip = new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{hash} {body.Length}\n"));
        var frame = new byte[header.Length + body.Length];
        header.CopyTo(frame, 0);
        body.GetBuffer().AsSpan(0, (int)body.Length).CopyTo(frame.AsSpan(header.Length));
        return frame;
    }

    /// <summary>
    /// The frames of <paramref name="stream"/> from its start, and the length of the complete ones:
    /// anything after it is a torn tail (an append cut short) or not a frame.
    /// </summary>
    public static (List<AttachmentLocation> Frames, long CompleteLength) Scan(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var frames = new List<AttachmentLocation>();
        var header = new byte[MaxHeader];
        long position = 0;
        var length = stream.Length;
        while (position < length)
        {
            stream.Position = position;
            var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            var newline = Array.IndexOf(header, (byte)'\n', 0, read);
            if (newline < 0 || !TryParseHeader(header.AsSpan(0, newline), out var hash, out var size))
            {
                break;
            }

            var body = position + newline + 1;
            if (body + size > length)
            {
                break;
            }

            frames.Add(new AttachmentLocation(hash, body, size));
            position = body + size;
        }

        return (frames, position);
    }

    /// <summary>The decompressed content of the frame at <paramref name="location"/>; throws <see cref="InvalidDataException"/> when it is not gzip or too large.</summary>
    public static byte[] Read(Stream stream, AttachmentLocation location)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Position = location.Offset;
        var compressed = new byte[location.Length];
        stream.ReadExactly(compressed);
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var content = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = gzip.Read(buffer)) > 0)
        {
            if (content.Length + n > MaxContent)
            {
                throw new InvalidDataException($"the attachment at offset {location.Offset} holds more than {MaxContent} bytes");
            }

            content.Write(buffer, 0, n);
        }

        return content.ToArray();
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> line, out string hash, out int size)
    {
        hash = string.Empty;
        size = 0;
        if (line.Length < 66 || line[64] != (byte)' ')
        {
            return false;
        }

        foreach (var b in line[..64])
        {
            if (!char.IsAsciiHexDigitLower((char)b))
            {
                return false;
            }
        }

        if (!int.TryParse(line[65..], NumberStyles.None, CultureInfo.InvariantCulture, out size))
        {
            return false;
        }

        hash = Encoding.ASCII.GetString(line[..64]);
        return true;
    }
}
