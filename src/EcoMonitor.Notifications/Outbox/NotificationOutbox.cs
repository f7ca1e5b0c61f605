using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Notifications;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Notifications.Outbox;

/// <summary>
/// The durable queue between the alert engine and the channels: <c>DataDirectory/outbox/</c>.
/// The engine queues a notification (<see cref="Queue"/>, in memory, under its own lock) and
/// waits for it to be on disk (<see cref="FlushAsync"/>) before the message that caused it can be
/// acknowledged, so once the engine has decided to notify, a crash cannot lose it; the channels
/// take it from here and move the delivered cursor on. It is also the engine's journal: after a
/// crash the alert book is brought up to the notifications made since its last snapshot
/// (<see cref="After"/>).
/// </summary>
/// <remarks>
/// <para>Files: <c>notifications.jsonl</c>, one notification per line in sequence order, and
/// <c>cursors/{channel}</c>, per channel the sequence number up to which everything was delivered
/// (or skipped, or expired) for it (written to a temporary file, fsynced, renamed). A torn last
/// line (a crash during the append) is cut off at start and logged; it was never reported as
/// appended. The file is compacted once every channel is past everything in it and the engine's
/// snapshot covers it. A channel configured later starts where the slowest channel is.</para>
/// <para>No disk I/O under the lock the engine takes: writes are group commits, one writer at a
/// time, each covering everything queued so far with one fsync. The journal is indexed by
/// sequence (it is in sequence order), with each line's offset, so reading what a channel has
/// pending, counting it, and cutting to the bound are binary searches, not scans
/// (docs/decisions.md, "Alert pipeline and outbox: disk I/O and scans").</para>
/// <para>A failed write (a full disk) is cut back to the last complete line; the notifications
/// stay queued, in order, for the next flush, the caller fails (its message is not acknowledged),
/// and readiness condition <c>outbox-disk</c> is raised until a write succeeds.</para>
/// </remarks>
internal sealed partial class NotificationOutbox : INotificationOutbox, IOutboxConsumer, IDisposable
{
    /// <summary>The readiness condition raised while the journal cannot be written.</summary>
    public const string DiskCondition = DiskStores.Outbox + "-disk";

    private int _disposed;

    private const long CompactAboveBytes = 1024 * 1024;

    private readonly string _path;
    private readonly string _cursorDirectory;
    private readonly long _maxBytes;
    private readonly NotificationMetrics _metrics;
    private readonly ReadinessConditions? _readiness;
    private readonly ILogger<NotificationOutbox> _logger;

    // In-memory state only: never held across disk I/O, because the alert pipeline takes it under its lock.
    private readonly Lock _gate = new();

    // One writer of the journal file at a time: appends, the cut to the bound, compaction.
    private readonly SemaphoreSlim _writer = new(1, 1);

    // Durable notifications in sequence order, each with the offset of its line in the file.
    private readonly List<Entry> _journal = [];

    // Queued and not yet durable, in sequence order: written by the next flush.
    private readonly List<AlertNotification> _queued = [];
    private readonly Dictionary<string, Cursor> _cursors = new(StringComparer.Ordinal);
    private FileStream _file;
    private long _length;
    private long _durableTo;
    private long _queuedTo;
    private long _snapshotSequence;

    public NotificationOutbox(
        IOptions<DataDirectoryOptions> options,
        IOptions<NotificationOptions> notificationOptions,
        NotificationMetrics metrics,
        ILogger<NotificationOutbox> logger,
        ReadinessConditions? readiness = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(notificationOptions);
        _metrics = metrics;
        _logger = logger;
        _readiness = readiness;
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

    /// <summary>The last sequence queued (durable or not).</summary>
    public long QueuedTo
    {
        get
        {
            lock (_gate)
            {
                return _queuedTo;
            }
        }
    }

    /// <summary>Notifications queued and not yet on disk (a flush under way, or failed).</summary>
    public bool HasUnflushed
    {
        get
        {
            lock (_gate)
            {
                return _queued.Count > 0;
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
        }

        var path = Path.Combine(_cursorDirectory, FileNameOf(channel));
        var saved = 0L;
        var found = File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), out saved);
        Cursor cursor;
        lock (_gate)
        {
            if (_cursors.TryGetValue(channel, out var known))
            {
                return known.Signal.Reader;
            }

            cursor = new Cursor(path, found ? saved : Slowest());
            _cursors[channel] = cursor;
            UpdatePending();
        }

        if (!found)
        {
            // Written at once: a channel known once keeps its place, even at 0.
            WriteCursor(cursor);
        }

        return cursor.Signal.Reader;
    }

    /// <summary>
    /// Takes <paramref name="notifications"/> (in sequence order, after those queued before) in
    /// memory only: no disk I/O, so the engine may call it under its lock. They are durable and
    /// visible to the channels once a flush up to their sequence has returned.
    /// </summary>
    public void Queue(IReadOnlyList<AlertNotification> notifications)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        if (notifications.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var n in notifications)
            {
                if (n.Sequence <= _queuedTo)
                {
                    // The journal's index relies on the order.
                    throw new ArgumentException($"notification {n.Sequence} queued after {_queuedTo}: sequences must increase", nameof(notifications));
                }

                _queued.Add(n);
                _queuedTo = n.Sequence;
            }
        }
    }

    /// <summary>Makes <paramref name="notifications"/> durable (fsynced) and visible to the channels.</summary>
    public void Append(IReadOnlyList<AlertNotification> notifications)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        Queue(notifications);
        if (notifications.Count > 0)
        {
            Flush(notifications[^1].Sequence);
        }
    }

    /// <summary>
    /// Returns once every notification up to <paramref name="sequence"/> is on disk: at once if it
    /// already is, else after the flush under way or one of its own, which writes everything queued
    /// so far (one fsync for all who wait: group commit).
    /// </summary>
    /// <exception cref="IOException">The write failed (a full disk): the notifications stay queued.</exception>
    public async Task FlushAsync(long sequence, CancellationToken cancellationToken)
    {
        if (IsDurable(sequence))
        {
            return;
        }

        await _writer.WaitAsync(cancellationToken);
        try
        {
            WriteQueued(sequence);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>As <see cref="FlushAsync"/>, blocking (the ticker, a save, tests).</summary>
    public void Flush(long sequence)
    {
        if (IsDurable(sequence))
        {
            return;
        }

        _writer.Wait();
        try
        {
            WriteQueued(sequence);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Notifications <paramref name="channel"/> has not done yet, oldest first, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<AlertNotification> Pending(string channel, int max)
    {
        lock (_gate)
        {
            return Copy(IndexAfter(CursorOf(channel).Position), max);
        }
    }

    /// <summary>Every durable notification in the journal after <paramref name="sequence"/>, delivered or not.</summary>
    public IReadOnlyList<AlertNotification> After(long sequence)
    {
        lock (_gate)
        {
            return Copy(IndexAfter(sequence), int.MaxValue);
        }
    }

    /// <summary>
    /// The last durable notification of each of <paramref name="alertIds"/> at or before
    /// <paramref name="sequence"/>, if the journal still holds one: one pass back from
    /// <paramref name="sequence"/>, which ends once all are found.
    /// </summary>
    public IReadOnlyDictionary<string, AlertNotification> LastOf(IReadOnlyCollection<string> alertIds, long sequence)
    {
        ArgumentNullException.ThrowIfNull(alertIds);
        var wanted = alertIds.ToHashSet(StringComparer.Ordinal);
        var found = new Dictionary<string, AlertNotification>(StringComparer.Ordinal);
        lock (_gate)
        {
            for (var i = IndexAfter(sequence) - 1; i >= 0 && found.Count < wanted.Count; i--)
            {
                var n = _journal[i].Notification;
                if (wanted.Contains(n.AlertId))
                {
                    found.TryAdd(n.AlertId, n);
                }
            }
        }

        return found;
    }

    /// <summary>Moves <paramref name="channel"/>'s cursor to <paramref name="sequence"/>: everything up to it is done for the channel.</summary>
    public void MarkDelivered(string channel, long sequence)
    {
        Cursor cursor;
        bool compact;
        lock (_gate)
        {
            cursor = CursorOf(channel);
            if (sequence <= cursor.Position)
            {
                return;
            }

            cursor.Position = sequence;
            UpdatePending();
            compact = CompactionDue();
        }

        WriteCursor(cursor);
        if (compact)
        {
            Compact();
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
        bool compact;
        lock (_gate)
        {
            _snapshotSequence = Math.Max(_snapshotSequence, sequence);
            compact = CompactionDue();
        }

        if (compact)
        {
            Compact();
        }
    }

    public void Dispose()
    {
        // Idempotent: the container disposes it once as itself and once as the port it also serves.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _writer.Wait();
        try
        {
            _file.Dispose();
        }
        finally
        {
            _writer.Release();
        }

        _writer.Dispose();
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

    private static byte[] LineOf(AlertNotification n)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(n, NotificationJson.Options);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    private bool IsDurable(long sequence)
    {
        lock (_gate)
        {
            return sequence <= _durableTo;
        }
    }

    /// <summary>Under the writer: everything queued goes to the file with one fsync, unless an earlier flush covered <paramref name="sequence"/>.</summary>
    private void WriteQueued(long sequence)
    {
        AlertNotification[] batch;
        lock (_gate)
        {
            if (sequence <= _durableTo || _queued.Count == 0)
            {
                return;
            }

            batch = [.. _queued];
        }

        var lines = new byte[batch.Length][];
        var total = 0;
        for (var i = 0; i < batch.Length; i++)
        {
            lines[i] = LineOf(batch[i]);
            total += lines[i].Length;
        }

        try
        {
            if (_length + total > _maxBytes)
            {
                MakeRoom(total);
            }

            _file.Position = _length;
            foreach (var line in lines)
            {
                _file.Write(line);
            }

            _file.Flush(flushToDisk: true);
        }
        catch (IOException ex)
        {
            CutBack();
            _metrics.DiskWriteFailures.WithLabels(DiskStores.Outbox).Inc();
            _readiness?.Raise(DiskCondition, $"the notification outbox cannot be written: {ex.Message}");
            LogAppendFailed(_logger, ex, _path, batch.Length);
            throw;
        }

        lock (_gate)
        {
            var offset = _length;
            for (var i = 0; i < batch.Length; i++)
            {
                _journal.Add(new Entry(batch[i], offset));
                offset += lines[i].Length;
            }

            _queued.RemoveRange(0, batch.Length);
            _length = offset;
            _durableTo = batch[^1].Sequence;
            _metrics.NotificationsQueued.Inc(batch.Length);
            UpdatePending();
            foreach (var cursor in _cursors.Values)
            {
                cursor.Signal.Writer.TryWrite(true);
            }
        }

        if (_readiness?.IsRaised(DiskCondition) == true)
        {
            _readiness.Clear(DiskCondition);
            LogAppendRecovered(_logger, _path);
        }
    }

    /// <summary>After a failed write: the file ends at its last complete line again, so no torn line is left behind.</summary>
    private void CutBack()
    {
        try
        {
            _file.SetLength(_length);
        }
        catch (IOException ex)
        {
            // The next write starts at the same offset and covers the same lines and more; a
            // crash before it leaves a torn tail, which the start cuts off.
            LogCutFailed(_logger, ex, _path);
        }
    }

    private Cursor CursorOf(string channel) =>
        _cursors.TryGetValue(channel, out var cursor) ? cursor : throw new InvalidOperationException($"channel '{channel}' is not registered with the outbox");

    /// <summary>Under <see cref="_gate"/>: at most <paramref name="max"/> journal entries from index <paramref name="from"/>.</summary>
    private AlertNotification[] Copy(int from, int max)
    {
        var count = Math.Min(Math.Max(max, 0), _journal.Count - from);
        var result = new AlertNotification[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = _journal[from + i].Notification;
        }

        return result;
    }

    private long Slowest()
    {
        if (_cursors.Count == 0)
        {
            return 0;
        }

        var slowest = long.MaxValue;
        foreach (var cursor in _cursors.Values)
        {
            slowest = Math.Min(slowest, cursor.Position);
        }

        return slowest;
    }

    /// <summary>Index of the first journal entry with a sequence above <paramref name="sequence"/> (binary search: the journal is in sequence order).</summary>
    private int IndexAfter(long sequence)
    {
        int lo = 0, hi = _journal.Count;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (_journal[mid].Notification.Sequence <= sequence)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
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

                if (n is null || n.Sequence <= _durableTo)
                {
                    LogDamagedLine(_logger, _path, start);
                }
                else
                {
                    _journal.Add(new Entry(n, start));
                    _durableTo = _queuedTo = n.Sequence;
                }

                start = end + 1;
                good = start;
            }

            if (good < bytes.Length)
            {
                LogTornTail(_logger, _path, bytes.Length - good);
            }
        }

        // Unbuffered: a write that fails must leave nothing behind in a buffer to reach the file later.
        var file = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0);
        file.SetLength(good);
        _length = good;
        return file;
    }

    private void WriteCursor(Cursor cursor)
    {
        // One writer per cursor file; the position read inside, so the last write has the latest.
        lock (cursor.FileGate)
        {
            long position;
            lock (_gate)
            {
                position = cursor.Position;
            }

            try
            {
                AtomicFile.Write(cursor.Path, stream => stream.Write(Encoding.ASCII.GetBytes(position.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            }
            catch (IOException ex)
            {
                // The position holds in memory and the next move writes it; a restart before that
                // resends what was delivered since (at least once).
                _metrics.DiskWriteFailures.WithLabels(DiskStores.Outbox).Inc();
                LogCursorFailed(_logger, ex, cursor.Path);
            }
        }
    }

    /// <summary>Under <see cref="_gate"/>: the file is large, and every channel and the engine's snapshot are past all of it.</summary>
    private bool CompactionDue()
    {
        var last = _journal.Count == 0 ? 0 : _journal[^1].Notification.Sequence;
        return _length > CompactAboveBytes && _cursors.Count > 0 && Slowest() >= last && _snapshotSequence >= last;
    }

    /// <summary>Empties the file when nothing in it is needed any more (checked again under the writer).</summary>
    private void Compact()
    {
        _writer.Wait();
        try
        {
            lock (_gate)
            {
                if (!CompactionDue())
                {
                    return;
                }
            }

            // Everything in the file is done: a crash mid-way leaves either all of it or none.
            _file.SetLength(0);
            _file.Flush(flushToDisk: true);
            lock (_gate)
            {
                _journal.Clear();
                _length = 0;
            }
        }
        catch (IOException ex)
        {
            LogCompactFailed(_logger, ex, _path);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>
    /// Under the writer, over the bound: drop what is done and journaled, then expire the oldest
    /// undone for every channel, down to 7/8 of the bound, so that the copy this takes is made
    /// once per eighth of the bound appended, not at every append.
    /// </summary>
    private void MakeRoom(int incoming)
    {
        int keepFrom;
        long dropped, from;
        var expired = new List<(string Name, Cursor Cursor, int Count)>();
        lock (_gate)
        {
            keepFrom = IndexAfter(Math.Min(Slowest(), _snapshotSequence));
            var target = _maxBytes - (_maxBytes / 8);
            while (keepFrom < _journal.Count && _length - _journal[keepFrom].Offset + incoming > target)
            {
                keepFrom++;
            }

            dropped = keepFrom == 0 ? 0 : _journal[keepFrom - 1].Notification.Sequence;
            from = keepFrom < _journal.Count ? _journal[keepFrom].Offset : _length;
            foreach (var (name, cursor) in _cursors)
            {
                if (cursor.Position < dropped)
                {
                    expired.Add((name, cursor, keepFrom - IndexAfter(cursor.Position)));
                }
            }
        }

        if (from == 0)
        {
            return;
        }

        var temp = _path + ".tmp";
        try
        {
            using (var source = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            using (var target = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                source.Position = from;
                CopyBytes(source, target, _length - from);
                target.Flush(flushToDisk: true);
            }

            _file.Dispose();
            try
            {
                File.Move(temp, _path, overwrite: true);
            }
            finally
            {
                // The new file, or the old one if the rename failed.
                _file = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.Read, bufferSize: 0);
            }
        }
        catch (IOException)
        {
            File.Delete(temp);
            throw;
        }

        lock (_gate)
        {
            _journal.RemoveRange(0, keepFrom);
            for (var i = 0; i < _journal.Count; i++)
            {
                _journal[i] = _journal[i] with { Offset = _journal[i].Offset - from };
            }

            _length -= from;
            foreach (var (_, cursor, _) in expired)
            {
                cursor.Position = Math.Max(cursor.Position, dropped);
            }

            UpdatePending();
        }

        foreach (var (name, cursor, count) in expired)
        {
            WriteCursor(cursor);
            _metrics.NotificationsExpired.WithLabels(name).Inc(count);
            LogExpired(_logger, count, name, _maxBytes);
        }
    }

    private static void CopyBytes(Stream source, Stream target, long count)
    {
        var buffer = new byte[81920];
        while (count > 0)
        {
            var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (read == 0)
            {
                throw new IOException("the outbox file is shorter than its index");
            }

            target.Write(buffer, 0, read);
            count -= read;
        }
    }

    /// <summary>Under <see cref="_gate"/>: per channel, the journal entries after its cursor (two binary searches' worth, not a scan).</summary>
    private void UpdatePending()
    {
        foreach (var (name, cursor) in _cursors)
        {
            _metrics.NotificationsPending.WithLabels(name).Set(_journal.Count - IndexAfter(cursor.Position));
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Outbox {Path}: {Bytes} byte(s) after the last complete notification cut off (a crash during an append; it was never reported as queued)")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "Outbox {Path}: the line at byte {Offset} is not a notification in sequence; skipped")]
    private static partial void LogDamagedLine(ILogger logger, string path, long offset);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "Outbox full ({MaxBytes} bytes): {Count} undelivered notification(s) for channel {Channel} expired, oldest first")]
    private static partial void LogExpired(ILogger logger, int count, string channel, long maxBytes);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Error, Message = "Outbox {Path}: {Count} notification(s) could not be written; they stay queued and the messages that caused them are not acknowledged until a write succeeds")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string path, int count);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Outbox {Path} is written again")]
    private static partial void LogAppendRecovered(ILogger logger, string path);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Warning, Message = "Outbox {Path}: cutting a failed write back to the last complete line failed; the next write overwrites it")]
    private static partial void LogCutFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Warning, Message = "Outbox cursor {Path} could not be written; the position is kept in memory and written with the next one")]
    private static partial void LogCursorFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 7008, Level = LogLevel.Warning, Message = "Outbox {Path}: compaction failed; tried again after the next delivery")]
    private static partial void LogCompactFailed(ILogger logger, Exception exception, string path);

    /// <summary>A durable notification and the offset of its line in the file.</summary>
    private readonly record struct Entry(AlertNotification Notification, long Offset);

    /// <summary>A channel's position, its file, and its wake-up signal (one slot: a signal, not a queue).</summary>
    private sealed class Cursor(string path, long position)
    {
        public string Path { get; } = path;

        public long Position { get; set; } = position;

        public Lock FileGate { get; } = new();

        public Channel<bool> Signal { get; } = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    }
}
