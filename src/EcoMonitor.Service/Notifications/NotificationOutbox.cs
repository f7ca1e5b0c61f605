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
/// <c>cursors/{channel}</c>, per channel the sequence number up to which everything was delivered
/// (or skipped, or expired) for it (written to a temporary file, fsynced, renamed). A torn last
/// line (a crash during the append) is cut off at start and logged; it was never reported as
/// appended. The file is compacted once every channel is past everything in it and the engine's
/// snapshot covers it. A channel configured later starts where the slowest channel is.
/// </remarks>
public sealed partial class NotificationOutbox : IDisposable
{
    private const long CompactAboveBytes = 1024 * 1024;

    private readonly string _path;
    private readonly string _cursorDirectory;
    private readonly long _maxBytes;
    private readonly IngestMetrics _metrics;
    private readonly ILogger<NotificationOutbox> _logger;
    private readonly Lock _gate = new();
    private readonly List<AlertNotification> _journal = [];
    private readonly Dictionary<string, Cursor> _cursors = new(StringComparer.Ordinal);
    private FileStream _file;
    private long _snapshotSequence;

    public NotificationOutbox(IOptions<EcoMonitorOptions> options, IOptions<NotificationOptions> notificationOptions, IngestMetrics metrics, ILogger<NotificationOutbox> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(notificationOptions);
        _metrics = metrics;
        _logger = logger;
        _maxBytes = notificationOptions.Value.OutboxMaxBytes;
        var directory = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "outbox");
        _cursorDirectory = Path.Combine(directory, "cursors");
        Directory.CreateDirectory(_cursorDirectory);
        _path = Path.Combine(directory, "notifications.jsonl");
        _file = Load();
    }

    /// <summary>The slowest channel's cursor: everything up to it is done for every channel (0 before any channel).</summary>
    public long Delivered
    {
        get
        {
            lock (_gate)
            {
                return Slowest();
            }
        }
    }

    /// <summary>
    /// Makes a channel known: its cursor is read from disk, or starts where the slowest known
    /// channel is (a new channel does not receive the whole history). Returns the signal that
    /// something was appended, for the channel's loop to wait on.
    /// </summary>
    public ChannelReader<bool> Register(string channel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(channel);
        lock (_gate)
        {
            if (_cursors.TryGetValue(channel, out var known))
            {
                return known.Signal.Reader;
            }

            var path = Path.Combine(_cursorDirectory, FileNameOf(channel));
            var saved = 0L;
            var found = File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), out saved);
            var cursor = new Cursor(path, found ? saved : Slowest());
            if (!found)
            {
                // Written at once: a channel known once keeps its place, even at 0.
                WriteCursor(cursor);
            }

            _cursors[channel] = cursor;
            UpdatePending();
            return cursor.Signal.Reader;
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
            foreach (var cursor in _cursors.Values)
            {
                cursor.Signal.Writer.TryWrite(true);
            }
        }
    }

    /// <summary>Notifications <paramref name="channel"/> has not done yet, oldest first, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<AlertNotification> Pending(string channel, int max)
    {
        lock (_gate)
        {
            var position = CursorOf(channel).Position;
            return [.. _journal.Where(n => n.Sequence > position).Take(max)];
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

    /// <summary>Moves <paramref name="channel"/>'s cursor to <paramref name="sequence"/>: everything up to it is done for the channel.</summary>
    public void MarkDelivered(string channel, long sequence)
    {
        lock (_gate)
        {
            var cursor = CursorOf(channel);
            if (sequence <= cursor.Position)
            {
                return;
            }

            cursor.Position = sequence;
            WriteCursor(cursor);
            UpdatePending();
            CompactIfDone();
        }
    }

    /// <summary>Where <paramref name="channel"/>'s cursor is.</summary>
    public long DeliveredTo(string channel)
    {
        lock (_gate)
        {
            return CursorOf(channel).Position;
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

    /// <summary>A channel name as a file name: letters, digits, '-', '_' kept, anything else hex-escaped.</summary>
    private static string FileNameOf(string channel)
    {
        var b = new StringBuilder();
        foreach (var c in channel)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                b.Append(c);
            }
            else
            {
                b.Append('%').Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return b.ToString();
    }

    private Cursor CursorOf(string channel) =>
        _cursors.TryGetValue(channel, out var cursor) ? cursor : throw new InvalidOperationException($"channel '{channel}' is not registered with the outbox");

    private long Slowest() => _cursors.Count == 0 ? 0 : _cursors.Values.Min(c => c.Position);

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

    private static void WriteCursor(Cursor cursor)
    {
        var temp = cursor.Path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.ASCII.GetBytes(cursor.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, cursor.Path, overwrite: true);
    }

    private void CompactIfDone()
    {
        var last = _journal.Count == 0 ? 0 : _journal[^1].Sequence;
        if (_file.Length > CompactAboveBytes && _cursors.Count > 0 && Slowest() >= last && _snapshotSequence >= last)
        {
            Rewrite([]);
        }
    }

    /// <summary>Over the bound: drop what is done and journaled, then expire the oldest undone for every channel.</summary>
    private void MakeRoom(int incoming)
    {
        var keep = _journal.Where(n => n.Sequence > Math.Min(Slowest(), _snapshotSequence)).ToList();
        var sizes = keep.Select(n => (long)Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(n, NotificationJson.Options)) + 1).ToList();
        var total = sizes.Sum();
        var dropped = 0L;
        while (keep.Count > 0 && total + incoming > _maxBytes)
        {
            total -= sizes[0];
            sizes.RemoveAt(0);
            dropped = keep[0].Sequence;
            keep.RemoveAt(0);
        }

        foreach (var (name, cursor) in _cursors)
        {
            if (cursor.Position < dropped)
            {
                var expired = _journal.Count(n => n.Sequence > cursor.Position && n.Sequence <= dropped);
                cursor.Position = dropped;
                WriteCursor(cursor);
                _metrics.NotificationsExpired.WithLabels(name).Inc(expired);
                LogExpired(_logger, expired, name, _maxBytes);
            }
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

    private void UpdatePending()
    {
        foreach (var (name, cursor) in _cursors)
        {
            _metrics.NotificationsPending.WithLabels(name).Set(_journal.Count(n => n.Sequence > cursor.Position));
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Outbox {Path}: {Bytes} byte(s) after the last complete notification cut off (a crash during an append; it was never reported as queued)")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "Outbox {Path}: the line at byte {Offset} is not a notification; skipped")]
    private static partial void LogDamagedLine(ILogger logger, string path, long offset);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "Outbox full ({MaxBytes} bytes): {Count} undelivered notification(s) for channel {Channel} expired, oldest first")]
    private static partial void LogExpired(ILogger logger, int count, string channel, long maxBytes);

    /// <summary>A channel's position, its file, and its wake-up signal (one slot: a signal, not a queue).</summary>
    private sealed class Cursor(string path, long position)
    {
        public string Path { get; } = path;

        public long Position { get; set; } = position;

        public Channel<bool> Signal { get; } = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    }
}
