using System.Globalization;
using System.Text;
using System.Text.Json;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.DeadLetters;

/// <summary>
/// Appends refused messages as JSON lines to <c>DataDirectory/deadletter/deadletter-{date}.jsonl</c>,
/// one file per UTC day. Each append is flushed to disk before it returns, because the message
/// is acknowledged to the broker right after: a crash must not lose the evidence.
/// </summary>
public sealed partial class DeadLetterStore(IOptions<EcoMonitorOptions> options, TimeProvider time, ILogger<DeadLetterStore> logger)
    : IAsyncDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _file;
    private string? _fileName;

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
            var file = OpenForToday(record.Time);
            await file.WriteAsync(json, cancellationToken);
            await file.WriteAsync(NewLine, cancellationToken);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
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

    private FileStream OpenForToday(DateTimeOffset now)
    {
        var name = Path.Combine(Directory, $"deadletter-{now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}.jsonl");
        if (_file is not null && _fileName == name)
        {
            return _file;
        }

        _file?.Dispose();
        System.IO.Directory.CreateDirectory(Directory);
        _file = new FileStream(name, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 16 * 1024);
        _fileName = name;
        return _file;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Dead-lettered a message on {Topic}: {Count} rejection(s), first {Code}")]
    private static partial void LogDeadLettered(ILogger logger, string topic, int count, string code);
}
