using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace EcoMonitor.Runtime.Broker;

/// <summary>
/// A channel that reads the socket in large pieces. MQTTnet's adapter reads every packet in two
/// or three small reads (the fixed header, the remaining length byte by byte, the body), each a
/// <c>recv</c> system call on the raw channel; a stream of small publishes then costs more in
/// system calls than in decoding (docs/performance.md#socket-buffering). Here one read of the
/// socket takes whatever has arrived, up to <see cref="BufferBytes"/>, and the adapter's reads are
/// served from it. Reads come from the adapter's one receive loop, never concurrently.
/// </summary>
internal sealed class BufferedChannel(IMqttChannel inner) : IMqttChannel
{
    /// <summary>The read buffer: many small publishes, or a good part of a large one.</summary>
    public const int BufferBytes = 64 * 1024;

    // A completed Task<int> per count up to this, made once: most reads are served from the
    // buffer, and each would otherwise allocate its task.
    private const int CachedCounts = 4096;
    private readonly Task<int>?[] _completed = new Task<int>?[CachedCounts + 1];
    private byte[]? _buffer;
    private int _start;
    private int _end;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken)
    {
        _start = _end = 0;
        return inner.ConnectAsync(cancellationToken);
    }

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (_end > _start)
        {
            return Completed(Take(buffer, offset, count));
        }

        // A read as large as the buffer (most of a large packet's body) goes straight to the caller.
        return count >= BufferBytes ? inner.ReadAsync(buffer, offset, count, cancellationToken) : FillAndTakeAsync(buffer, offset, count, cancellationToken);
    }

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);

    public void Dispose() => inner.Dispose();

    private async Task<int> FillAndTakeAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _buffer ??= new byte[BufferBytes];
        var read = await inner.ReadAsync(_buffer, 0, _buffer.Length, cancellationToken).ConfigureAwait(false);
        if (read <= 0)
        {
            // Closed: the adapter sees the end as the raw channel would show it.
            return read;
        }

        (_start, _end) = (0, read);
        return Take(buffer, offset, count);
    }

    private int Take(byte[] buffer, int offset, int count)
    {
        var taken = Math.Min(count, _end - _start);
        _buffer.AsSpan(_start, taken).CopyTo(buffer.AsSpan(offset, taken));
        _start += taken;
        return taken;
    }

    private Task<int> Completed(int count) => count <= CachedCounts ? _completed[count] ??= Task.FromResult(count) : Task.FromResult(count);
}
