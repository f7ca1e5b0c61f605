using EcoMonitor.Ingest.Observability;
using EcoMonitor.Ingest.Storage;
using EcoMonitor.Ingest.Storage.Spool;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Storage;

/// <summary>
/// Replays spooled batches into the store, oldest first, beside the live traffic. A segment is
/// deleted once every record in it is stored; a crash before that replays it again, which the
/// store's idempotent points make harmless. Damage in a segment is logged and counted, the
/// intact records before it are replayed.
/// </summary>
internal sealed partial class SpoolReplayer(
    DiskSpool spool,
    StoreWriter store,
    StoreWritePipeline pipelines,
    IOptions<SpoolOptions> options,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<SpoolReplayer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var segment = spool.OldestSegment();
                if (segment is null)
                {
                    await Task.Delay(options.Value.ReplayPollInterval, time, stoppingToken);
                    continue;
                }

                await ReplayAsync(segment, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is left stays on disk for the next start.
        }
    }

    private async Task ReplayAsync(string segment, CancellationToken stoppingToken)
    {
        var readings = 0L;
        var damaged = false;
        using (var reader = new SpoolSegmentReader(segment))
        {
            while (await reader.ReadNextAsync(stoppingToken) is { } lines)
            {
                // Waits out an outage with backoff; only stopping ends it.
                await pipelines.Replay.ExecuteAsync(async ct => await store.WriteAsync(lines, ct), stoppingToken);
                var count = StoreWriter.CountReadings(lines);
                readings += count;
                metrics.ReadingsReplayed.Inc(count);
            }

            if (reader.DamagedBytes > 0)
            {
                damaged = true;
                metrics.SpoolDamagedBytes.Inc(reader.DamagedBytes);
                LogDamaged(logger, Path.GetFileName(segment), reader.Damage!, reader.DamagedBytes);
            }
        }

        spool.Remove(segment, damaged);
        LogReplayed(logger, Path.GetFileName(segment), readings);
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Replayed spool segment {Segment}: {Readings} readings")]
    private static partial void LogReplayed(ILogger logger, string segment, long readings);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Error, Message = "Spool segment {Segment} is damaged ({Damage}); {Bytes} bytes from there could not be read and the segment is kept in spool/damaged")]
    private static partial void LogDamaged(ILogger logger, string segment, string damage, long bytes);
}
