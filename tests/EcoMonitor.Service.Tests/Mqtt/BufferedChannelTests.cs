using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using EcoMonitor.Runtime.Broker;
using EcoMonitor.Service.Tests.Fixtures;
using MQTTnet.Channel;

namespace EcoMonitor.Service.Tests.Mqtt;

/// <summary>
/// The broker channel under MQTTnet's adapter (docs/performance.md#socket-buffering), against a
/// hand-written inner channel: many small reads come from one read of the socket; a burst of
/// packets leaves in fewer sends, in order; a failed send breaks the connection; a disconnect
/// sends what is pending first.
/// </summary>
public sealed class BufferedChannelTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Small_reads_are_served_from_one_read_of_the_socket()
    {
        var inner = new ScriptedChannel();
        inner.Incoming.Enqueue([.. Enumerable.Range(0, 300).Select(i => (byte)i)]);
        var channel = new BufferedChannel(inner);

        var received = new List<byte>();
        var buffer = new byte[7];
        while (received.Count < 300)
        {
            var read = await channel.ReadAsync(buffer, 0, buffer.Length, TestContext.Current.CancellationToken);
            Assert.InRange(read, 1, buffer.Length);
            received.AddRange(buffer.Take(read));
        }

        Assert.Equal(Enumerable.Range(0, 300).Select(i => (byte)i), received);
        Assert.Equal(1, inner.Reads);
    }

    [Fact]
    public async Task The_end_of_the_stream_is_passed_on()
    {
        var channel = new BufferedChannel(new ScriptedChannel());

        Assert.Equal(0, await channel.ReadAsync(new byte[16], 0, 16, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_burst_of_packets_leaves_in_fewer_sends_in_order()
    {
        var inner = new ScriptedChannel { SendGate = new TaskCompletionSource() };
        var channel = new BufferedChannel(inner);

        // The first send is held while 99 more packets are written: they must wait together.
        for (var i = 0; i < 100; i++)
        {
            // A write waits for no send: one that did would never finish while the send is held.
            await channel.WriteAsync(new ReadOnlySequence<byte>([0x40, 0x02, 0x00, (byte)i]), isEndOfPacket: true, TestContext.Current.CancellationToken)
                .WaitAsync(Deadline, TestContext.Current.CancellationToken);
        }

        inner.SendGate.SetResult();
        await Eventually.WaitAsync(() => inner.Sent.Count == 400, Deadline, "every packet sent", TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 100).SelectMany(i => new byte[] { 0x40, 0x02, 0x00, (byte)i }), inner.Sent);
        Assert.InRange(inner.Sends, 1, 3);
    }

    [Fact]
    public async Task A_failed_send_breaks_the_connection_and_the_next_write_fails()
    {
        var inner = new ScriptedChannel { SendFailure = new IOException("Broken pipe") };
        var channel = new BufferedChannel(inner);

        await channel.WriteAsync(new ReadOnlySequence<byte>([0xC0, 0x00]), isEndOfPacket: true, TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(() => inner.Disposed, Deadline, "the inner channel closed after the failed send", TestContext.Current.CancellationToken);

        var failure = await Assert.ThrowsAsync<IOException>(() => channel.WriteAsync(new ReadOnlySequence<byte>([0xC0, 0x00]), true, TestContext.Current.CancellationToken));
        Assert.Equal("Broken pipe", failure.InnerException?.Message);
    }

    [Fact]
    public async Task A_disconnect_sends_what_is_pending_before_the_socket_closes()
    {
        var inner = new ScriptedChannel { SendGate = new TaskCompletionSource() };
        var channel = new BufferedChannel(inner);
        await channel.WriteAsync(new ReadOnlySequence<byte>([0xE0, 0x00]), isEndOfPacket: true, TestContext.Current.CancellationToken)
            .WaitAsync(Deadline, TestContext.Current.CancellationToken);

        var disconnect = channel.DisconnectAsync(TestContext.Current.CancellationToken);
        Assert.False(inner.DisconnectedAfterSends.HasValue);
        inner.SendGate.SetResult();
        await disconnect;

        Assert.Equal([0xE0, 0x00], inner.Sent);
        Assert.Equal(1, inner.DisconnectedAfterSends);
    }

    /// <summary>An inner channel that serves scripted reads and records sends.</summary>
    private sealed class ScriptedChannel : IMqttChannel
    {
        public Queue<byte[]> Incoming { get; } = new();

        public List<byte> Sent { get; } = [];

        public int Reads { get; private set; }

        public int Sends { get; private set; }

        public int? DisconnectedAfterSends { get; private set; }

        public bool Disposed { get; private set; }

        /// <summary>While set and not completed, a send waits for it.</summary>
        public TaskCompletionSource? SendGate { get; init; }

        public Exception? SendFailure { get; init; }

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1883);

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 50000);

        public bool IsSecureConnection => false;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken)
        {
            DisconnectedAfterSends = Sends;
            return Task.CompletedTask;
        }

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Reads++;
            if (!Incoming.TryDequeue(out var next))
            {
                return Task.FromResult(0);
            }

            var n = Math.Min(count, next.Length);
            next.AsSpan(0, n).CopyTo(buffer.AsSpan(offset));
            return Task.FromResult(n);
        }

        public async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
        {
            if (SendGate is { } gate)
            {
                await gate.Task;
            }

            if (SendFailure is { } failure)
            {
                throw failure;
            }

            lock (Sent)
            {
                Sends++;
                Sent.AddRange(buffer.ToArray());
            }
        }

        public void Dispose() => Disposed = true;
    }
}
