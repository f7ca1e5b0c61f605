using EcoMonitor.Core.Storage;
using EcoMonitor.Ingest.DeadLetters;
using EcoMonitor.Ingest.Observability;

namespace EcoMonitor.Ingest.Storage;

/// <summary>
/// One logical write to the store, for live batches and spool replay alike. A request the store
/// refuses as bad or too large is split in halves until the offending points are found; those
/// alone are dead-lettered with the store's reason, the rest is stored. An outage, exhausted
/// retries, an open circuit, refused credentials or a missing bucket end in <see cref="StoreUnavailableException"/>:
/// the caller spools or waits.
/// </summary>
internal sealed partial class StoreWriter(
    IPointWriter writer,
    StoreWritePipeline pipelines,
    DeadLetterStore deadLetters,
    StoreHealth health,
    IngestMetrics metrics,
    ILogger<StoreWriter> logger)
{
    /// <summary>Readings in the lines: their fields, leaving out the points of alert transitions.</summary>
    public static long CountReadings(IEnumerable<string> lines) =>
        lines.Where(line => !line.StartsWith(LineProtocol.AlertMeasurement + ",", StringComparison.Ordinal)).Sum(line => (long)LineProtocol.CountFields(line));

    /// <exception cref="StoreUnavailableException">The store cannot take the points now.</exception>
    public async Task WriteAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0)
        {
            return;
        }

        try
        {
            await pipelines.Live.ExecuteAsync(async ct => await writer.WriteAsync(lines, ct), cancellationToken);
        }
        catch (Exception ex) when (ex is StoreRejectedException or StoreTooLargeException && lines.Count > 1)
        {
            var half = lines.Count / 2;
            await WriteAsync(lines.Take(half).ToList(), cancellationToken);
            await WriteAsync(lines.Skip(half).ToList(), cancellationToken);
            return;
        }
        catch (Exception ex) when (ex is StoreRejectedException or StoreTooLargeException)
        {
            LogPointRejected(logger, ex.Message);
            await deadLetters.WriteStoreRejectedAsync(lines, ex.Message, cancellationToken);
            return;
        }
        catch (StoreUnauthorizedException ex)
        {
            health.RecordUnauthorized(ex.Message);
            LogUnauthorized(logger, ex.Message);
            throw new StoreUnavailableException(ex.Message, ex);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            throw new StoreUnavailableException($"store unavailable: {ex.GetType().Name}: {ex.Message}", ex);
        }

        health.RecordSuccess();
        metrics.ReadingsStored.Inc(CountReadings(lines));
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "The store refused a point; it is dead-lettered: {Reason}")]
    private static partial void LogPointRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Critical, Message = "The store refuses our writes; readings are spooled until an operator fixes the credentials (Influx:Token, Influx:Username, Influx:Password), Influx:Org or Influx:Bucket (the database, which must exist): {Reason}")]
    private static partial void LogUnauthorized(ILogger logger, string reason);
}
