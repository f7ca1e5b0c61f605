using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Storage;
using EcoMonitor.Ingest.Storage.Readback;

namespace EcoMonitor.Ingest.Storage.Corrections;

/// <summary>What an officer asks to change: one stored point, its new value, and why.</summary>
public sealed record CorrectionRequest(SensorKind Kind, string Site, string Device, string Metric, DateTimeOffset Time, double Value, string By, string Reason);

public enum CorrectionStatus
{
    /// <summary>The store holds the new value and the correction record is durable.</summary>
    Corrected,

    /// <summary>The store holds no such point.</summary>
    NotFound,

    /// <summary>The store already holds that value: nothing was written or logged.</summary>
    Unchanged,

    /// <summary>Auditing is off: a correction would be silent, so none is made.</summary>
    NotAudited,
}

/// <param name="Index">The correction record's leaf index once <see cref="CorrectionStatus.Corrected"/>.</param>
public sealed record CorrectionResult(CorrectionStatus Status, ReadingCorrection? Correction, long Index);

/// <summary>
/// Changes one stored value on purpose and logs it (docs/audit.md#corrections): reads the stored
/// value back, writes the new one, then appends the <c>correction</c> record (who, why, old and
/// new), durable before the caller answers. One correction at a time, so that each record's old
/// value is the one the previous left. A store or log failure is thrown: if the store took the
/// value and the log did not, <c>audit verify-readings</c> reports the point altered, which is
/// what happened.
/// </summary>
public sealed partial class ReadingCorrector : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IPointWriter _writer;
    private readonly IStoredReadings _readback;
    private readonly IAuditTrail _trail;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal ReadingCorrector(IPointWriter writer, IStoredReadings readback, IAuditTrail trail, TimeProvider time, ILogger<ReadingCorrector> logger)
    {
        _writer = writer;
        _readback = readback;
        _trail = trail;
        _time = time;
        _logger = logger;
    }

    public async Task<CorrectionResult> CorrectAsync(CorrectionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_trail.Enabled)
        {
            return new CorrectionResult(CorrectionStatus.NotAudited, null, -1);
        }

        var key = new PointKey(request.Kind.ToName(), request.Site, request.Device, request.Metric, request.Time.ToUnixTimeMilliseconds());
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(key.TimestampMs);
            var stored = await _readback.ReadAsync(request.Site, at, at, cancellationToken);
            var found = stored.Where(p => p.Key == key).ToList();
            if (found.Count == 0)
            {
                return new CorrectionResult(CorrectionStatus.NotFound, null, -1);
            }

            var current = found[^1];

            if (current.Value.Equals(request.Value))
            {
                return new CorrectionResult(CorrectionStatus.Unchanged, null, -1);
            }

            var reading = new Reading(request.Kind, request.Site, request.Device, request.Metric, request.Value, key.TimestampMs);
            await _writer.WriteAsync([.. LineProtocol.Format([reading])], cancellationToken);
            var correction = new ReadingCorrection(key, current.Value, request.Value, request.By, request.Reason);

            // Not cancelled by the caller: the store holds the new value, so the record must follow.
            var index = await _trail.AppendAsync(correction.ToRecord(_time.GetUtcNow()), CancellationToken.None);
            LogCorrected(_logger, key.Measurement, key.Site, key.Device, key.Metric, index);
            return new CorrectionResult(CorrectionStatus.Corrected, correction, index);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        _readback.Dispose();
    }

    [LoggerMessage(EventId = 8311, Level = LogLevel.Information, Message = "A stored value was corrected: {Measurement} {Site}/{Device} {Metric}, correction record {Index}")]
    private static partial void LogCorrected(ILogger logger, string measurement, string site, string device, string metric, long index);
}
