using System.Globalization;
using System.Text;
using System.Text.Json;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Observability;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.DeadLetters;

/// <summary>
/// Appends refused messages as JSON lines to
/// <c>DataDirectory/deadletter/deadletter-{date}-{n}.jsonl</c>: a new file each UTC day and
/// whenever one passes <see cref="DeadLetterOptions.MaxFileBytes"/>; the oldest files go when
/// all pass <see cref="DeadLetterOptions.MaxTotalBytes"/>. Each append is flushed to disk before
/// it returns, because the message is acknowledged to the broker right after: a crash must not
/// lose the evidence.
/// </summary>
public sealed partial class DeadLetterStore(
    IOptions<EcoMonitorOptions> options,
    IOptions<DeadLetterOptions> limits,
    DeadLetterRepublisher republisher,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<DeadLetterStore> logger)
    : IAsyncDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _file;
    private string? _day;
    private int _number;

    public string Directory { get; } = options.Value.DeadLetterDirectory;

    public async Task WriteAsync(IncomingMessage message, IngestResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(result);

        await AppendAsync(ToRecord(message, result, time.GetUtcNow()), cancellationToken);
        LogDeadLettered(logger, message.Topic, result.Rejections.Count, result.Rejections[0].Code);
    }

    /// <summary>Points the store itself refused; the payload is their line protocol.</summary>
    public async Task WriteStoreRejectedAsync(IReadOnlyList<string> lines, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var record = new DeadLetterRecord(
            time.GetUtcNow(),
            string.Empty,
            "line-protocol",
            [new Rejection(RejectionCodes.StoreRejected, reason)],
            0,
            string.Join('\n', lines),
            null);
        await AppendAsync(record, cancellationToken);
        LogDeadLettered(logger, "(store)", 1, RejectionCodes.StoreRejected);
    }

    private async Task AppendAsync(DeadLetterRecord record, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(record, DeadLetterJsonContext.Default.DeadLetterRecord);

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var file = OpenFor(record.Time, json.Length + 1);
            await file.WriteAsync(json, cancellationToken);
            await file.WriteAsync(NewLine, cancellationToken);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }

        republisher.Offer(record.Reasons.Count > 0 ? record.Reasons[0].Code : "unknown", json);
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_file is not null)
            {
                await _file.DisposeAsync();
                _file = null;
            }
        }
        finally
        {
            _gate.Release();
            _gate.Dispose();
        }
    }

    internal static DeadLetterRecord ToRecord(IncomingMessage message, IngestResult result, DateTimeOffset now)
    {
        string? text = null;
        string? base64 = null;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(message.Payload.Span);
        }
        catch (DecoderFallbackException)
        {
            // Not text: keep the bytes exactly.
            base64 = Convert.ToBase64String(message.Payload.Span);
        }

        return new DeadLetterRecord(now, message.Topic, result.Format, result.Rejections, result.Accepted.Count, text, base64);
    }

    private FileStream OpenFor(DateTimeOffset now, int bytes)
    {
        var day = now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (_file is not null && _day == day && _file.Length + bytes <= limits.Value.MaxFileBytes)
        {
            return _file;
        }

        _file?.Dispose();
        System.IO.Directory.CreateDirectory(Directory);
        var number = _day == day ? _number + 1 : NextNumber(day);
        var name = Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"deadletter-{day}-{number:D3}.jsonl"));
        _file = new FileStream(name, FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 16 * 1024);
        _day = day;
        _number = number;
        EnforceTotal(name);
        return _file;
    }

    /// <summary>After a restart, continue after the day's last file.</summary>
    private int NextNumber(string day)
    {
        var last = System.IO.Directory.GetFiles(Directory, $"deadletter-{day}-*.jsonl").Order(StringComparer.Ordinal).LastOrDefault();
        return last is not null && int.TryParse(Path.GetFileNameWithoutExtension(last)[^3..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n + 1 : 0;
    }

    private void EnforceTotal(string current)
    {
        var files = System.IO.Directory.GetFiles(Directory, "deadletter-*.jsonl").Order(StringComparer.Ordinal).Select(f => new FileInfo(f)).ToList();
        var total = files.Sum(f => f.Length);
        foreach (var file in files)
        {
            if (total <= limits.Value.MaxTotalBytes || file.FullName == current)
            {
                break;
            }

            total -= file.Length;
            file.Delete();
            metrics.DeadLetterFilesDeleted.Inc();
            LogDeletedOldest(logger, file.Name, limits.Value.MaxTotalBytes);
        }
    }

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Deleted the oldest dead-letter file {File}: the store passed DeadLetters:MaxTotalBytes ({MaxTotalBytes} bytes)")]
    private static partial void LogDeletedOldest(ILogger logger, string file, long maxTotalBytes);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Dead-lettered a message on {Topic}: {Count} rejection(s), first {Code}")]
    private static partial void LogDeadLettered(ILogger logger, string topic, int count, string code);
}
