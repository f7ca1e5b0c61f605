using System.Net;
using EcoMonitor.Ingest.Storage;
using InfluxDB.Client;
using InfluxDB.Client.Api.Domain;

namespace EcoMonitor.Benchmarks;

/// <summary>
/// The store's end of a write request, with no network: reads the request body to its end, as a
/// socket would take it, and answers 204 (a write both InfluxDB APIs accept). Counts what it took.
/// </summary>
internal sealed class DrainingHandler : HttpMessageHandler
{
    private readonly CountingStream _sink = new();

    public long Requests { get; private set; }

    public long BodyBytes => _sink.Count;

    public Uri? LastUri { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { } content)
        {
            await content.CopyToAsync(_sink, cancellationToken);
        }

        Requests++;
        LastUri = request.RequestUri;
        return new HttpResponseMessage(HttpStatusCode.NoContent) { RequestMessage = request };
    }

    /// <summary>A write-only stream that keeps nothing but the byte count.</summary>
    private sealed class CountingStream : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Count;

        public override long Position
        {
            get => Count;
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Count += count;

        public override void Write(ReadOnlySpan<byte> buffer) => Count += buffer.Length;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Count += count;
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Count += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>
/// The v2 write as InfluxDB.Client makes it (the service's writer until it was written on
/// <see cref="HttpClient"/>, docs/decisions.md "The store's client"): the library's options and
/// call over an <see cref="HttpClient"/> of ours, kept as the comparison for the writer's figures.
/// </summary>
internal sealed class InfluxClientRequests : IPointWriter, IDisposable
{
    private readonly InfluxDBClient _client;
    private readonly WriteApiAsync _writeApi;
    private readonly InfluxOptions _options;

    public InfluxClientRequests(InfluxOptions options, HttpMessageHandler handler)
    {
        _options = options;
        var clientOptions = new InfluxDBClientOptions(options.Url)
        {
            Org = options.Org,
            Bucket = options.Bucket,
            Timeout = options.Timeout,
            HttpClient = new HttpClient(handler, disposeHandler: false) { Timeout = options.Timeout },
        };
        if (!string.IsNullOrEmpty(options.Token))
        {
            clientOptions.Token = options.Token;
        }

        _client = new InfluxDBClient(clientOptions);
        _writeApi = _client.GetWriteApiAsync();
    }

    public Task WriteAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken) =>
        _writeApi.WriteRecordsAsync(lines, WritePrecision.Ms, _options.Bucket, _options.Org, cancellationToken);

    public void Dispose() => _client.Dispose();
}
