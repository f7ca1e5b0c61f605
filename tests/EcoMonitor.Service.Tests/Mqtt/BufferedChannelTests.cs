using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using EcoMonitor.Runtime.Broker;
using MQTTnet.Channel;

namespace EcoMonitor.Service.Tests.Mqtt;

/// <summary>
/// The broker channel under MQTTnet's adapter (docs/performance.md#socket-buffering), against a
/// hand-written inner channel: many small reads come from one read of the socket, in order, and
/// the end of the stream is passed on.
/// </summary>
public sealed class BufferedChannelTests
{
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

    /// <summary>An inner channel that serves scripted reads; writes are not used here.</summary>
    private sealed class ScriptedChannel : IMqttChannel
    {
        public Queue<byte[]> Incoming { get; } = new();

        public int Reads { get; private set; }

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1883);

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 50000);

        public bool IsSecureConnection => false;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

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

        public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
