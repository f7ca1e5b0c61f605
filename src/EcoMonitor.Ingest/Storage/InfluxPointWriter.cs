using InfluxDB.Client;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Core.Exceptions;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Storage;

/// <summary>
/// Writes through the InfluxDB v2 write API with <see cref="WriteApiAsync"/>: each call is one
/// HTTP request whose outcome we see. (The buffered <c>WriteApi</c> has an unbounded queue and
/// drops points on dispose, which breaks acknowledge-after-store.) Each InfluxDB answer becomes
/// one of <see cref="IPointWriter"/>'s outcomes; docs/decisions.md, "The store's answers", lists them.
/// </summary>
internal sealed class InfluxPointWriter : IPointWriter, IDisposable
{
    private readonly InfluxDBClient _client;
    private readonly WriteApiAsync _writeApi;
    private readonly InfluxOptions _options;

    public InfluxPointWriter(IOptions<InfluxOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        var clientOptions = new InfluxDBClientOptions(_options.Url)
        {
            Org = _options.Org,
            Bucket = _options.Bucket,
            Timeout = _options.Timeout,
        };
        if (!string.IsNullOrEmpty(_options.Token))
        {
            clientOptions.Token = _options.Token;
        }

        _client = new InfluxDBClient(clientOptions);
        _writeApi = _client.GetWriteApiAsync();
    }

    public async Task WriteAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        try
        {
            await _writeApi.WriteRecordsAsync(lines, WritePrecision.Ms, _options.Bucket, _options.Org, cancellationToken);
        }
        catch (InfluxException ex) when (StoreAnswers.Classify(ex.Status, ex.Message, lines.Count, $"'{_options.Bucket}' in org '{_options.Org}'", (ex as HttpException)?.RetryAfter, ex) is { } outcome)
        {
            throw outcome;
        }
    }

    public void Dispose() => _client.Dispose();
}
