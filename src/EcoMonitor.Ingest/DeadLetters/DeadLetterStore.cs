using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.DeadLetters;

/// <summary>
/// Appends refused messages as JSON lines to
/// <c>DataDirectory/deadletter/deadletter-{date}-{n}.jsonl</c>: a new file each UTC day and
/// whenever one passes <see cref="DeadLetterOptions.MaxFileBytes"/>; the oldest files go when
/// all pass <see cref="DeadLetterOptions.MaxTotalBytes"/>. Each append is flushed to disk before
/// it returns, because the message is acknowledged to the broker right after: a crash must not
/// lose the evidence. A write the disk refuses (full, failing) throws, so that the message is not
/// acknowledged; the line is cut back first, so no torn line stays, and the readiness condition
/// <c>dead-letter-disk</c> is raised until a write succeeds again (docs/decisions.md, "Full disks").
/// </summary>
internal sealed partial class DeadLetterStore(
    IOptions<DataDirectoryOptions> options,
    IOptions<DeadLetterOptions> limits,
    DeadLetterRepublisher republisher,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<DeadLetterStore> logger,
    ReadinessConditions readiness)
    : IAsyncDisposable
{
    /// <summary>Raised while the disk refuses dead-letter writes.</summary>
    public const string DiskCondition = DiskStores.DeadLetter + "-disk";

    /// <summary>
    /// Text as UTF-8, not as <c>\uXXXX</c> (the default escapes every non-ASCII character, six
    /// bytes for each): the kept part of a payload stays near its bound in the file. The lines are
    /// read as JSON, never embedded in HTML.
    /// </summary>
    private static readonly JsonWriterOptions LineOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _file;
    private string? _day;
    private int _number;
    private bool _failing;

    public string Directory { get; } = options.Value.DeadLetterDirectory;

    /// <exception cref="IOException">The disk refused the write; nothing of the record stays in the file.</exception>
    public async Task WriteAsync(IncomingMessage message, IngestResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(result);

        await AppendAsync(ToRecord(message, result, time.GetUtcNow(), limits.Value.MaxPayloadBytes), cancellationToken);
        LogDeadLettered(logger, message.Topic, result.Rejections.Count, result.Rejections[0].Code);
    }

    /// <summary>Points the store itself refused; the payload is their line protocol.</summary>
    public async Task WriteStoreRejectedAsync(IReadOnlyList<string> lines, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var payload = DeadLetterPayload.Of(Encoding.UTF8.GetBytes(string.Join('\n', lines)), limits.Value.MaxPayloadBytes);
        var record = new DeadLetterRecord(
            time.GetUtcNow(),
            string.Empty,
            "line-protocol",
            [new Rejection(RejectionCodes.StoreRejected, reason)],
            0,
            payload.Text,
            payload.Base64,
            payload.Bytes,
            payload.Sha256,
            payload.Truncated);
        await AppendAsync(record, cancellationToken);
        LogDeadLettered(logger, "(store)", 1, RejectionCodes.StoreRejected);
    }

    private async Task AppendAsync(DeadLetterRecord record, CancellationToken cancellationToken)
    {
        // The line and its newline in one buffer, written at once: a failed write is cut back whole.
        var line = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(line, LineOptions))
        {
            JsonSerializer.Serialize(json, record, DeadLetterJsonContext.Default.DeadLetterRecord);
        }

        line.Write("\n"u8);

        await _gate.WaitAsync(cancellationToken);
        try
        {
            WriteLine(record.Time, line.WrittenSpan);
        }
        finally
        {
            _gate.Release();
        }

        if (republisher.Enabled)
        {
            republisher.Offer(record.Reasons.Count > 0 ? record.Reasons[0].Code : "unknown", line.WrittenSpan[..^1].ToArray());
        }
    }

    private void WriteLine(DateTimeOffset now, ReadOnlySpan<byte> line)
    {
        var start = -1L;
        try
        {
            var file = OpenFor(now, line.Length);
            start = file.Length;
            file.Write(line);
            file.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
        {
            metrics.DiskWriteFailures.WithLabels(DiskStores.DeadLetter).Inc();
            CutBack(start);
            if (!_failing)
            {
                _failing = true;
                LogDiskFailed(logger, ex, Directory);
                readiness.Raise(DiskCondition, $"the disk refuses dead-letter writes in {Directory} ({ex.Message}); refused messages are not acknowledged");
            }

            throw;
        }

        if (_failing)
        {
            _failing = false;
            readiness.Clear(DiskCondition);
            LogDiskRecovered(logger);
        }
    }

    /// <summary>
    /// After a failed write: removes what part of the line reached the file. If even that fails
    /// the file is closed, and the next write starts a new one rather than reuse a broken stream.
    /// </summary>
    private void CutBack(long start)
    {
        if (_file is null || start < 0)
        {
            return;
        }

        try
        {
            _file.SetLength(start);
            return;
        }
        catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
        {
            LogCutBackFailed(logger, ex, _file.Name);
        }

        CloseFile();
    }

    private void CloseFile()
    {
        var file = _file;
        _file = null;
        try
        {
            file?.Dispose();
        }
        catch (IOException)
        {
            // Unbuffered: nothing is left to flush, and the handle is released all the same.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            CloseFile();
        }
        finally
        {
            _gate.Release();
            _gate.Dispose();
        }
    }

    internal static DeadLetterRecord ToRecord(IncomingMessage message, IngestResult result, DateTimeOffset now, int maxPayloadBytes)
    {
        var payload = DeadLetterPayload.Of(message.Payload.Span, maxPayloadBytes);
        return new DeadLetterRecord(
            now,
            message.Topic,
            result.Format,
            result.Rejections,
            result.Accepted.Count,
            payload.Text,
            payload.Base64,
            payload.Bytes,
            payload.Sha256,
            payload.Truncated);
    }

    private FileStream OpenFor(DateTimeOffset now, int bytes)
    {
        var day = now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (_file is not null && _day == day && _file.Length + bytes <= limits.Value.MaxFileBytes)
        {
            return _file;
        }

        CloseFile();
        System.IO.Directory.CreateDirectory(Directory);
        var number = _day == day ? _number + 1 : NextNumber(day);
        var name = Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"deadletter-{day}-{number:D3}.jsonl"));

        // Unbuffered: each line goes to the file in one write, and a failed one leaves nothing
        // buffered behind that a later flush or dispose would try again.
        _file = new FileStream(name, FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
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

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "The disk refuses dead-letter writes in {Directory}: messages with refused readings are not acknowledged until it takes writes again")]
    private static partial void LogDiskFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Dead-letter writes succeed again")]
    private static partial void LogDiskRecovered(ILogger logger);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Could not cut {File} back after a failed write; it may end in a torn line, and the next record goes to a new file")]
    private static partial void LogCutBackFailed(ILogger logger, Exception exception, string file);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Dead-lettered a message on {Topic}: {Count} rejection(s), first {Code}")]
    private static partial void LogDeadLettered(ILogger logger, string topic, int count, string code);
}
