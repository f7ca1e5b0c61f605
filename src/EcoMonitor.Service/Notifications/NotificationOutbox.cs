using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Service.Hosting;
using EcoMonitor.Service.Observability;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Notifications;

/// <summary>
/// The durable queue between the alert engine and the channels: <c>DataDirectory/outbox/</c>.
/// A notification is appended and fsynced before <see cref="Append"/> returns, so once the
/// engine has decided to notify, a crash cannot lose it; the channels take it from here and move
/// the delivered cursor on. It is also the engine's journal: after a crash the alert book is
/// brought up to the notifications made since its last snapshot (<see cref="After"/>).
/// </summary>
/// <remarks>
/// Files: <c>notifications.jsonl</c>, one notification per line in sequence order, and
/// <c>delivered</c>, the sequence number of the last delivered one (written to a temporary file,
/// fsynced, renamed). A torn last line (a crash during the append) is cut off at start and
/// logged; it was never reported as appended. The file is compacted once everything in it is
/// delivered and persisted in the engine's snapshot.
/// </remarks>
public sealed partial class NotificationOutbox : IDisposable
{
    private const long CompactAboveBytes = 1024 * 1024;

    private readonly string _path;
    private readonly string _cursorPath;
    private readonly long _maxBytes;
    private readonly IngestMetrics _metrics;
    private readonly ILogger<NotificationOutbox> _logger;
    private readonly Lock _gate = new();
    private readonly List<AlertNotification> _journal = [];
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private FileStream _file;
    private long _delivered;
    private long _snapshotSequence;

    public NotificationOutbox(IOptions<EcoMonitorOptions> options, IOptions<NotificationOptions> notificationOptions, IngestMetrics metrics, ILogger<NotificationOutbox> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(notificationOptions);
        _metrics = metrics;
        _logger = logger;
        _maxBytes = notificationOptions.Value.OutboxMaxBytes;
        var directory = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "outbox");
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "notifications.jsonl");
        _cursorPath = Path.Combine(directory, "delivered");
        _delivered = File.Exists(_cursorPath) && long.TryParse(File.ReadAllText(_cursorPath).Trim(), out var cursor) ? cursor : 0;
        _file = Load();
        UpdatePending();
    }

    /// <summary>Signalled when something was appended: a channel loop waits on it.</summary>
    public ChannelReader<bool> Appended => _signal.Reader;

    /// <summary>Sequence of the last delivered notification.</summary>
    public long Delivered
    {
        get
        {
            lock (_gate)
            {
                return _delivered;
            }
        }
    }

    /// <summary>Makes <paramref name="notifications"/> durable (fsynced) and visible to the channels.</summary>
    public void Append(IReadOnlyList<AlertNotification> notifications)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        if (notifications.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        foreach (var n in notifications)
        {
            text.Append(JsonSerializer.Serialize(n, NotificationJson.Options)).Append('\n');
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        lock (_gate)
        {
            if (_file.Length + bytes.Length > _maxBytes)
            {
                MakeRoom(bytes.Length);
            }

            _file.Write(bytes);
            _file.Flush(flushToDisk: true);
            _journal.AddRange(notifications);
            _metrics.NotificationsQueued.Inc(notifications.Count);
            UpdatePending();
        }

        _signal.Writer.TryWrite(true);
    }

    /// <summary>Notifications not yet delivered, oldest first, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<AlertNotification> Pending(int max)
    {
        lock (_gate)
        {
            return [.. _journal.Where(n => n.Sequence > _delivered).Take(max)];
        }
    }

    /// <summary>Every notification in the journal after <paramref name="sequence"/>, delivered or not.</summary>
    public IReadOnlyList<AlertNotification> After(long sequence)
    {
        lock (_gate)
        {
            return [.. _journal.Where(n => n.Sequence > sequence)];
        }
    }

    /// <summary>Moves the delivered cursor to <paramref name="sequence"/> (everything up to it was delivered).</summary>
    public void MarkDelivered(long sequence)
    {
        lock (_gate)
        {
            if (sequence <= _delivered)
            {
                return;
            }

            _delivered = sequence;
            WriteCursor();
            UpdatePending();
            CompactIfDone();
        }
    }

    /// <summary>The engine persisted its state up to <paramref name="sequence"/>: lines up to it are no longer needed as a journal.</summary>
    public void SnapshotSaved(long sequence)
    {
        lock (_gate)
        {
            _snapshotSequence = Math.Max(_snapshotSequence, sequence);
            CompactIfDone();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Dispose();
        }
    }

    private FileStream Load()
    {
        var good = 0L;
        if (File.Exists(_path))
        {
            var bytes = File.ReadAllBytes(_path);
            var start = 0;
            while (start < bytes.Length)
            {
                var end = Array.IndexOf(bytes, (byte)'\n', start);
                if (end < 0)
                {
                    break;
                }

                AlertNotification? n = null;
                try
                {
                    n = JsonSerializer.Deserialize<AlertNotification>(bytes.AsSpan(start, end - start), NotificationJson.Options);
                }
                catch (JsonException)
                {
                    // Not ours to guess at: reported and skipped, the lines after it still count.
                }

                if (n is null)
                {
                    LogDamagedLine(_logger, _path, start);
                }
                else
                {
                    _journal.Add(n);
                }

                start = end + 1;
                good = start;
            }

            if (good < bytes.Length)
            {
                LogTornTail(_logger, _path, bytes.Length - good);
            }
        }

        var file = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        file.SetLength(good);
        file.Seek(good, SeekOrigin.Begin);
        return file;
    }

    private void WriteCursor()
    {
        var temp = _cursorPath + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.ASCII.GetBytes(_delivered.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _cursorPath, overwrite: true);
    }

    private void CompactIfDone()
    {
        var last = _journal.Count == 0 ? 0 : _journal[^1].Sequence;
        if (_file.Length > CompactAboveBytes && _delivered >= last && _snapshotSequence >= last)
        {
            Rewrite([]);
        }
    }

    /// <summary>Over the bound: drop what is delivered and journaled, then expire the oldest undelivered.</summary>
    private void MakeRoom(int incoming)
    {
        var keep = _journal.Where(n => n.Sequence > Math.Min(_delivered, _snapshotSequence)).ToList();
        var sizes = keep.Select(n => (long)Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(n, NotificationJson.Options)) + 1).ToList();
        var total = sizes.Sum();
        var expired = 0;
        while (keep.Count > 0 && total + incoming > _maxBytes)
        {
            total -= sizes[0];
            sizes.RemoveAt(0);
            if (keep[0].Sequence > _delivered)
            {
                expired++;
                _delivered = keep[0].Sequence;
            }

            keep.RemoveAt(0);
        }

        if (expired > 0)
        {
            WriteCursor();
            _metrics.NotificationsExpired.Inc(expired);
            LogExpired(_logger, expired, _maxBytes);
        }

        Rewrite(keep);
    }

    private void Rewrite(List<AlertNotification> keep)
    {
        var temp = _path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var n in keep)
            {
                stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(n, NotificationJson.Options) + "\n"));
            }

            stream.Flush(flushToDisk: true);
        }

        _file.Dispose();
        File.Move(temp, _path, overwrite: true);
        _journal.Clear();
        _journal.AddRange(keep);
        _file = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.Read);
        _file.Seek(0, SeekOrigin.End);
    }

    private void UpdatePending() => _metrics.NotificationsPending.Set(_journal.Count(n => n.Sequence > _delivered));

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Outbox {Path}: {Bytes} byte(s) after the last complete notification cut off (a crash during an append; it was never reported as queued)")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "Outbox {Path}: the line at byte {Offset} is not a notification; skipped")]
    private static partial void LogDamagedLine(ILogger logger, string path, long offset);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "Outbox full ({MaxBytes} bytes): {Count} undelivered notification(s) expired, oldest first")]
    private static partial void LogExpired(ILogger logger, int count, long maxBytes);
}
