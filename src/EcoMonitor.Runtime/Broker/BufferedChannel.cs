using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace EcoMonitor.Runtime.Broker;

/// <summary>
/// A channel that reads the socket in large pieces and writes packets that come in a burst in one
/// send. Reads: MQTTnet's adapter reads every packet in two or three small reads (the fixed header, the remaining length byte by byte, the body), each a
/// <c>recv</c> system call on the raw channel; a stream of small publishes then costs more in
/// system calls than in decoding (docs/performance.md#socket-buffering). Here one read of the
/// socket takes whatever has arrived, up to <see cref="BufferBytes"/>, and the adapter's reads are
/// served from it. Reads come from the adapter's one receive loop, never concurrently.
/// Writes: the service acknowledges a stored batch of up to a thousand messages at once, a PUBACK
/// each, and each was a <c>send</c> of its own. A packet is copied into a pending buffer and the
/// write returns; one flush on the thread pool sends what is pending, and what comes meanwhile
/// goes with the next. A send that fails breaks the connection (the next write fails, the inner
/// channel is closed so that the receive loop ends): what was pending is lost as it would be in
/// the socket's own buffer, and the broker redelivers what was not acknowledged. Past
/// <see cref="MaxPendingBytes"/> a write waits for the flush (docs/performance.md#socket-buffering).
/// </summary>
internal sealed class BufferedChannel(IMqttChannel inner) : IMqttChannel
{
    /// <summary>The read buffer: many small publishes, or a good part of a large one.</summary>
    public const int BufferBytes = 64 * 1024;

    // A completed Task<int> per count up to this, made once: most reads are served from the
    // buffer, and each would otherwise allocate its task.
    private const int CachedCounts = 4096;
    private readonly Task<int>?[] _completed = new Task<int>?[CachedCounts + 1];
    /// <summary>Pending writes past this make the writer wait for the flush.</summary>
    public const int MaxPendingBytes = 256 * 1024;

    private const int InitialPendingBytes = 4096;

    private readonly Lock _writeLock = new();
    private ArrayBufferWriter<byte> _pending = new(InitialPendingBytes);
    private ArrayBufferWriter<byte>? _spare;
    private Task? _flushing;
    private Exception? _writeFailure;
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
        lock (_writeLock)
        {
            _writeFailure = null;
            _pending.ResetWrittenCount();
        }

        return inner.ConnectAsync(cancellationToken);
    }

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

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        lock (_writeLock)
        {
            if (_writeFailure is { } failure)
            {
                return Task.FromException(new IOException("a buffered write to the broker failed; the connection is broken", failure));
            }

            foreach (var segment in buffer)
            {
                _pending.Write(segment.Span);
            }

            if (isEndOfPacket && _flushing is null)
            {
                _flushing = FlushAsync();
            }

            // Backpressure: a writer that outruns the socket waits for the flush under way.
            return _pending.WrittenCount > MaxPendingBytes && _flushing is { } flushing ? flushing : Task.CompletedTask;
        }
    }

    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        // What was written (a DISCONNECT, the last acknowledgements) leaves before the socket closes.
        await FlushedAsync().ConfigureAwait(false);
        await inner.DisconnectAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => inner.Dispose();

    private Task FlushedAsync()
    {
        lock (_writeLock)
        {
            return _flushing ?? Task.CompletedTask;
        }
    }

    private async Task FlushAsync()
    {
        // Off the writer's thread: the burst it is writing goes with this flush.
        await Task.Yield();
        while (true)
        {
            ArrayBufferWriter<byte> batch;
            lock (_writeLock)
            {
                if (_pending.WrittenCount == 0)
                {
                    _flushing = null;
                    return;
                }

                batch = _pending;
                _pending = _spare ?? new ArrayBufferWriter<byte>(InitialPendingBytes);
                _spare = null;
            }

            try
            {
                await inner.WriteAsync(new ReadOnlySequence<byte>(batch.WrittenMemory), true, CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Any failure of the send breaks the connection; the writers see it on their next write.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                lock (_writeLock)
                {
                    _writeFailure = ex;
                    _flushing = null;
                }

                inner.Dispose();
                return;
            }

            batch.ResetWrittenCount();
            lock (_writeLock)
            {
                _spare = batch.Capacity <= MaxPendingBytes ? batch : null;
            }
        }
    }

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
