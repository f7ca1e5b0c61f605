using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace EcoMonitor.Ingest.Storage;

/// <summary>
/// A write request's body: the lines, joined by newlines, encoded as UTF-8 straight into the
/// request stream through one pooled buffer, with the Content-Length computed up front. A batch of
/// thousands of lines never becomes one joined string and one byte array, both large-object-heap
/// allocations (docs/performance.md#the-store-write).
/// </summary>
internal sealed class LineProtocolContent : HttpContent
{
    /// <summary>The pooled buffer's size: a few socket writes per batch, and small enough to pool.</summary>
    internal const int ChunkBytes = 64 * 1024;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly IReadOnlyList<string> _lines;
    private readonly long _length;

    public LineProtocolContent(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        _lines = lines;
        long length = Math.Max(0, lines.Count - 1);
        for (var i = 0; i < lines.Count; i++)
        {
            length += Utf8.GetByteCount(lines[i]);
        }

        _length = length;
        Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            var used = 0;
            for (var i = 0; i < _lines.Count; i++)
            {
                var line = _lines[i];
                var most = Utf8.GetMaxByteCount(line.Length);
                if (used + 1 + most > buffer.Length)
                {
                    await stream.WriteAsync(buffer.AsMemory(0, used), cancellationToken);
                    used = 0;
                }

                if (i > 0)
                {
                    buffer[used++] = (byte)'\n';
                }

                if (most <= buffer.Length - used)
                {
                    used += Utf8.GetBytes(line, buffer.AsSpan(used));
                    continue;
                }

                // A line longer than the buffer (a record of thousands of metrics): encoded on its own.
                await stream.WriteAsync(buffer.AsMemory(0, used), cancellationToken);
                used = 0;
                await stream.WriteAsync(Utf8.GetBytes(line), cancellationToken);
            }

            if (used > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, used), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }
}
