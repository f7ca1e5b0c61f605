using System.Globalization;
using EcoMonitor.Ingest.Observability;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Ingest.Storage.Spool;

/// <summary>
/// Append-only segments under <c>DataDirectory/spool/</c> holding batches the store could not
/// take. Each append is flushed to disk before it returns, so the messages can be acknowledged
/// right after. Segments are named by a growing sequence number and replayed oldest first;
/// they survive restarts. The total size is bounded by <see cref="SpoolOptions.MaxBytes"/>:
/// an append that would pass it is refused, never made room for by dropping.
/// </summary>
internal sealed partial class DiskSpool : IDisposable
{
    private const string Extension = ".seg";
    private readonly Lock _lock = new();
    private readonly SpoolOptions _options;
    private readonly IngestMetrics _metrics;
    private readonly ILogger<DiskSpool> _logger;
    private readonly LinkedList<string> _closed = new();
    private FileStream? _active;
    private long _bytes;
    private long _nextSequence;

    public DiskSpool(IOptions<SpoolOptions> options, IOptions<DataDirectoryOptions> host, IngestMetrics metrics, ILogger<DiskSpool> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(host);
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        Directory = Path.Combine(Path.GetFullPath(host.Value.DataDirectory), "spool");
        System.IO.Directory.CreateDirectory(Directory);

        // What a previous run left is replayed first, oldest first.
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*" + Extension).Order(StringComparer.Ordinal))
        {
            var length = new FileInfo(file).Length;
            if (length == 0)
            {
                File.Delete(file);
                continue;
            }

            _closed.AddLast(file);
            _bytes += length;
            if (long.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                _nextSequence = Math.Max(_nextSequence, sequence + 1);
            }
        }

        if (_closed.Count > 0)
        {
            LogFound(_logger, _closed.Count, _bytes);
        }

        _metrics.SpoolBytes.Set(_bytes);
    }

    public string Directory { get; }

    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Appends one batch durably; false when the spool is full.</summary>
    /// <exception cref="IOException">The disk refused the write (full, failing). The segment is
    /// cut back to its last complete record first, so replay stays exact; see docs/decisions.md
    /// ("Full disks").</exception>
    /// <exception cref="UnauthorizedAccessException">The spool directory is not writable.</exception>
    public bool TryAppend(IReadOnlyList<string> lines)
    {
        var record = SpoolRecordFormat.Encode(lines);
        lock (_lock)
        {
            if (_bytes + record.Length > _options.MaxBytes)
            {
                return false;
            }

            var complete = 0L;
            try
            {
                _active ??= new FileStream(
                    Path.Combine(Directory, _nextSequence++.ToString("D16", CultureInfo.InvariantCulture) + Extension),
                    FileMode.CreateNew,
                    FileAccess.Write,
                    FileShare.Read | FileShare.Delete,
                    bufferSize: 0);
                complete = _active.Length;
                _active.Write(record);
                _active.Flush(flushToDisk: true);
            }
            catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
            {
                _metrics.DiskWriteFailures.WithLabels(DiskStores.Spool).Inc();
                DiscardTornTail(complete);
                throw;
            }

            _bytes += record.Length;
            _metrics.SpoolBytes.Set(_bytes);
            if (_active.Length >= _options.SegmentBytes)
            {
                CloseActive();
            }

            return true;
        }
    }

    /// <summary>
    /// The oldest segment to replay, or null when the spool is empty. The segment being written
    /// is closed first when it is the only one, so that a spool drains completely.
    /// </summary>
    public string? OldestSegment()
    {
        lock (_lock)
        {
            if (_closed.Count == 0 && _active is { Length: > 0 })
            {
                CloseActive();
            }

            return _closed.First?.Value;
        }
    }

    /// <summary>
    /// Deletes a segment whose records are all in the store; a damaged one is moved to
    /// <c>spool/damaged/</c> instead, as evidence.
    /// </summary>
    public void Remove(string segment, bool damaged = false)
    {
        lock (_lock)
        {
            if (!_closed.Remove(segment))
            {
                return;
            }

            var length = new FileInfo(segment).Length;
            if (damaged)
            {
                var quarantine = Path.Combine(Directory, "damaged");
                System.IO.Directory.CreateDirectory(quarantine);
                File.Move(segment, Path.Combine(quarantine, Path.GetFileName(segment)), overwrite: true);
            }
            else
            {
                File.Delete(segment);
            }

            _bytes -= length;
            _metrics.SpoolBytes.Set(_bytes);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _active?.Dispose();
            _active = null;
        }
    }

    /// <summary>
    /// After a failed append: cuts the active segment back to its <paramref name="complete"/>
    /// records and closes it (or deletes it when it held none), so that no torn record is left for
    /// replay and <see cref="Bytes"/> stays what the disk holds. The next append starts a new segment.
    /// </summary>
    private void DiscardTornTail(long complete)
    {
        if (_active is null)
        {
            return;
        }

        var path = _active.Name;
        try
        {
            _active.SetLength(complete);
        }
        catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
        {
            // Cannot happen on a full disk (shrinking frees space); on a failing one the reader
            // finds the torn tail, replays the records before it and reports the damage.
            LogTruncateFailed(_logger, ex, Path.GetFileName(path));
            _bytes += SafeLength(path) - complete;
            _metrics.SpoolBytes.Set(_bytes);
        }

        _active.Dispose();
        _active = null;
        if (complete > 0 || SafeLength(path) > 0)
        {
            _closed.AddLast(path);
        }
        else
        {
            TryDelete(path);
        }
    }

    private static long SafeLength(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
        {
            // An empty segment left behind is deleted at the next start.
        }
    }

    private void CloseActive()
    {
        if (_active is null)
        {
            return;
        }

        _closed.AddLast(_active.Name);
        _active.Dispose();
        _active = null;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "The spool holds {Segments} segment(s), {Bytes} bytes, from before; they will be replayed")]
    private static partial void LogFound(ILogger logger, int segments, long bytes);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Could not cut spool segment {Segment} back after a failed write; replay will report its torn tail as damage")]
    private static partial void LogTruncateFailed(ILogger logger, Exception exception, string segment);
}
