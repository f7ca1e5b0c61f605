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
        catch (InfluxException ex) when (ex.Status is 400 or 422)
        {
            throw new StoreRejectedException($"store refused the points ({ex.Status}): {ex.Message}", ex);
        }
        catch (InfluxException ex) when (ex.Status == 413)
        {
            throw new StoreTooLargeException($"store refused a request of {lines.Count} points as too large: {ex.Message}", ex);
        }
        catch (InfluxException ex) when (ex.Status is 401 or 403)
        {
            throw new StoreUnauthorizedException($"store refused our credentials ({ex.Status}): {ex.Message}", ex);
        }
        catch (InfluxException ex) when (ex.Status == 404)
        {
            // InfluxDB answers 404 for a bucket or org that does not exist: as final as a bad token.
            throw new StoreUnauthorizedException($"store has no bucket '{_options.Bucket}' in org '{_options.Org}' (404): {ex.Message}", ex);
        }
        catch (HttpException ex) when (ex.Status is 429 or 503)
        {
            TimeSpan? retryAfter = ex.RetryAfter is { } seconds and >= 0 ? TimeSpan.FromSeconds(seconds) : null;
            throw new StoreBusyException($"store is busy ({ex.Status}, Retry-After {ex.RetryAfter?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not given"}): {ex.Message}", retryAfter, ex);
        }
    }

    public void Dispose() => _client.Dispose();
}
