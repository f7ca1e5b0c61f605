using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using EcoMonitor.Audit.Merkle;
using EcoMonitor.Audit.Notes;
using EcoMonitor.Core.Audit;
using EcoMonitor.Runtime.Files;
using EcoMonitor.Runtime.Health;

namespace EcoMonitor.Audit.Log;

/// <summary>One leaf of the log: its index and its bytes (the canonical JSON line without its newline).</summary>
public sealed record AuditEntry(ulong Index, byte[] Leaf);

/// <summary>
/// The tamper-evident log on disk (docs/audit.md): appenders queue a record and wait; one writer
/// drains the queue, appends the lines, fsyncs once for all of them (group commit), extends the
/// Merkle tree, then completes each append with its index. A signed checkpoint is written while
/// the log grows (<see cref="WriteCheckpointIfGrown"/>). Readers (entries, proofs, the latest
/// checkpoint) take no lock and see only what the tree holds.
/// </summary>
public sealed partial class AuditLog : IAuditTrail, IDisposable
{
    /// <summary>Raised in <c>/health/ready</c> while the log's disk refuses writes.</summary>
    public const string DiskCondition = DiskStores.AuditLog + "-disk";

    /// <summary>Most records one fsync covers.</summary>
    internal const int MaxBatch = 1024;

    private readonly AuditFiles _files;
    private readonly AuditOptions _options;
    private readonly AuditMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ReadinessConditions? _readiness;
    private readonly Channel<PendingAppend> _queue;

    // The latest signed note for whoever publishes it (docs/audit.md#witnessing): one slot, a newer
    // note replaces one not yet taken, so a slow or absent publisher never holds the log back.
    private readonly Channel<string> _signed = Channel.CreateBounded<string>(new BoundedChannelOptions(1) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });
    private readonly LineIndex _lines = new();
    private readonly Queue<byte[]> _untreed = new();

    private NoteSigner? _signer;
    private FileStream? _log;
    private FileStream? _attachments;
    private long _attachmentsLength;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _reader;
    private FileNodeStore? _nodes;
    private MerkleTree? _tree;
    private MerkleProver? _prover;
    private long _length;
    private long _commits;
    private SignedHead? _latest;

    internal AuditLog(AuditFiles files, AuditOptions options, AuditMetrics metrics, ILogger<AuditLog> logger, ReadinessConditions? readiness = null, int capacity = 4096)
    {
        _readiness = readiness;
        _files = files;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _queue = Channel.CreateBounded<PendingAppend>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public bool Enabled => true;

    /// <summary>The log's directory and files.</summary>
    public AuditFiles Files => _files;

    /// <summary>Leaves in the tree: entries, proofs and checkpoints cover the first <see cref="Size"/> records.</summary>
    public ulong Size => _nodes?.LeafCount ?? 0;

    /// <summary>The latest signed checkpoint (C2SP tlog-checkpoint note), or null before the first.</summary>
    public string? LatestCheckpoint => Volatile.Read(ref _latest)?.Note;

    /// <summary>The tree size of <see cref="LatestCheckpoint"/> (0 before the first).</summary>
    public ulong LatestCheckpointSize => Volatile.Read(ref _latest)?.Size ?? 0;

    /// <summary>fsync batches so far: one per drain of the queue (docs/audit.md#durability).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    /// <summary>
    /// The latest checkpoint, as the log opens with one and each time one is signed: a single
    /// reader takes it; a note not yet taken is replaced by a newer one.
    /// </summary>
    public ChannelReader<string> SignedCheckpoints => _signed.Reader;

    public async ValueTask<long> AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        // Serialised and compressed here, on the caller's thread: the writer only writes.
        var frame = record.Attachment is { } attachment ? AttachmentFile.Frame(attachment) : null;
        var pending = new PendingAppend(CanonicalJson.Serialize(record), frame, record.Type, Stopwatch.GetTimestamp());
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException ex)
        {
            throw new InvalidOperationException("the audit log is closed (the service is stopping)", ex);
        }

        // Once queued the record is written even if the caller stops waiting.
        return await pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Up to <paramref name="count"/> entries from <paramref name="start"/> (fewer at the end of the tree).</summary>
    public IReadOnlyList<AuditEntry> Entries(ulong start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var size = Size;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, size);
        var end = start + Math.Min((ulong)count, size - start);
        if (end == start)
        {
            return [];
        }

        var (first, _) = _lines.Range((long)start);
        var (last, lastLength) = _lines.Range((long)end - 1);
        var bytes = new byte[last + lastLength - first];
        FileNodeStore.ReadExactly(_reader!, bytes, first);
        var entries = new List<AuditEntry>((int)(end - start));
        for (var i = start; i < end; i++)
        {
            var (at, length) = _lines.Range((long)i);
            entries.Add(new AuditEntry(i, bytes.AsSpan((int)(at - first), length).ToArray()));
        }

        return entries;
    }

    /// <summary>MTH of the first <paramref name="size"/> records.</summary>
    public byte[] Root(ulong size) => Prover.Root(size);

    /// <summary>RFC 9162 inclusion proof of record <paramref name="index"/> in the tree of <paramref name="size"/>.</summary>
    public InclusionProof Inclusion(ulong index, ulong size) => Prover.Inclusion(index, size);

    /// <summary>RFC 9162 consistency proof from <paramref name="size1"/> to <paramref name="size2"/> (0 &lt; size1 ≤ size2).</summary>
    public ConsistencyProof Consistency(ulong size1, ulong size2) => Prover.Consistency(size1, size2);

    private MerkleProver Prover => _prover ?? throw new InvalidOperationException("the audit log is not open");

    /// <summary>
    /// Opens the directory (docs/audit.md#recovery): cuts a torn last line, checks the node file
    /// against the log and rebuilds what disagrees, refuses a record that is not canonical JSON
    /// and a log that does not match its latest checkpoint. Throws <see cref="AuditLogException"/>.
    /// </summary>
    public void Open()
    {
        var (signer, problem) = AuditKeyFile.TryRead(_options.SigningKeyFile);
        _signer = signer ?? throw new AuditLogException(problem!);
        System.IO.Directory.CreateDirectory(_files.Directory);
        _log = new FileStream(_files.Log, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        ulong leaves;
        long complete;
        using (var nodes = new FileStream(_files.Nodes, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 64 * 1024))
        {
            var rebuild = new NodeRebuild(nodes);
            _log.Position = 0;
            complete = AuditFiles.ScanLines(_log, (offset, line) =>
            {
                if (AuditFiles.CheckRecord(line) is { } why)
                {
                    throw new AuditLogException($"{_files.Log} line {_lines.Count + 1} (record {_lines.Count}): {why}. The log is not opened; see docs/audit.md#recovery");
                }

                rebuild.Leaf(Rfc6962.LeafHash(line));
                _lines.Add(offset + line.Length + 1);
            });
            leaves = (ulong)_lines.Count;
            rebuild.Finish();
            if (rebuild.RebuiltFrom is { } from)
            {
                _metrics.Recoveries.WithLabels("nodes-rebuilt").Inc();
                LogNodesRebuilt(_logger, from, leaves);
            }
        }

        if (_log.Length > complete)
        {
            var torn = _log.Length - complete;
            _log.SetLength(complete);
            _log.Flush(flushToDisk: true);
            _metrics.Recoveries.WithLabels("torn-tail").Inc();
            LogTornTail(_logger, torn, leaves);
        }

        _length = complete;
        _metrics.LogBytes.Set(_length);
        OpenAttachments();
        _nodes = new FileNodeStore(_files.Nodes, leaves);
        _tree = new MerkleTree(_nodes);
        _prover = new MerkleProver(_nodes);
        _reader = File.OpenHandle(_files.Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        OpenCheckpoints();
        LogOpened(_logger, leaves, _files.Directory, LatestCheckpointSize);
    }

    /// <summary>Marks the end: appends after this fail; the writer finishes what is queued.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>The writer: drains the queue into group commits until <see cref="Complete"/>.</summary>
    internal async Task RunWriterAsync(CancellationToken cancellationToken)
    {
        var reader = _queue.Reader;
        var batch = new List<PendingAppend>(MaxBatch);
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            Commit(batch);
        }
    }

    /// <summary>Signs and writes a checkpoint of the tree when it grew since the last; false when it did not.</summary>
    public bool WriteCheckpointIfGrown()
    {
        var size = Size;
        if (size == 0 || size <= LatestCheckpointSize)
        {
            return false;
        }

        var note = new Checkpoint(_options.Origin, size, Prover.Root(size)).Sign(_signer!);
        var bytes = Encoding.UTF8.GetBytes(note + "\n");
        try
        {
            using (var stream = new FileStream(_files.Checkpoints, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0))
            {
                var before = stream.Length;
                try
                {
                    stream.Write(bytes);
                    stream.Flush(flushToDisk: true);
                }
                catch (IOException)
                {
                    stream.SetLength(before);
                    throw;
                }
            }

            AtomicFile.Write(_files.Latest, s => s.Write(Encoding.UTF8.GetBytes(note)));
        }
        catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
        {
            _metrics.Runtime.DiskWriteFailures.WithLabels(DiskStores.AuditLog).Inc();
            _metrics.Failures.WithLabels("checkpoint").Inc();
            throw;
        }

        Volatile.Write(ref _latest, new SignedHead(size, note));
        _signed.Writer.TryWrite(note);
        _metrics.Checkpoints.Inc();
        LogCheckpoint(_logger, size);
        return true;
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _log?.Dispose();
        _attachments?.Dispose();
        _reader?.Dispose();
        _nodes?.Dispose();
        _signer?.Dispose();
    }

    private void Commit(List<PendingAppend> batch)
    {
        var lines = new byte[batch.Sum(p => p.Leaf.Length + 1)];
        var at = 0;
        foreach (var pending in batch)
        {
            pending.Leaf.CopyTo(lines, at);
            at += pending.Leaf.Length;
            lines[at++] = (byte)'\n';
        }

        var log = _log!;
        try
        {
            // What a record binds is durable before the record: a crash between leaves an unused frame.
            WriteAttachments(batch);

            // A batch the disk refused may have left part of its lines: cut them first.
            if (log.Length != _length)
            {
                log.SetLength(_length);
            }

            log.Position = _length;
            log.Write(lines);
            log.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _metrics.Runtime.DiskWriteFailures.WithLabels(DiskStores.AuditLog).Inc();
            _metrics.Failures.WithLabels("append").Inc();
            LogAppendFailed(_logger, batch.Count, ex.Message);
            _readiness?.Raise(DiskCondition, $"the audit log cannot be written, appends fail: {ex.Message}");
            TryCut(log, _length);
            TryCut(_attachments!, _attachmentsLength);
            var failure = new IOException($"the audit log could not write {batch.Count} record(s): {ex.Message}", ex);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(failure);
            }

            return;
        }

        Interlocked.Increment(ref _commits);
        _readiness?.Clear(DiskCondition);
        var first = _lines.Count;
        foreach (var pending in batch)
        {
            _length += pending.Leaf.Length + 1;
            _lines.Add(_length);
            _untreed.Enqueue(Rfc6962.LeafHash(pending.Leaf));
        }

        _metrics.LogBytes.Set(_length);
        ExtendTree();
        var now = Stopwatch.GetTimestamp();
        for (var i = 0; i < batch.Count; i++)
        {
            _metrics.Records.WithLabels(batch[i].Type).Inc();
            _metrics.AppendSeconds.Observe(Stopwatch.GetElapsedTime(batch[i].Started, now).TotalSeconds);
            batch[i].Done.TrySetResult(first + i);
        }
    }

    // Durable records whose nodes are not yet stored (the node file refused a write) join the
    // tree here, in order, as soon as the disk takes them again.
    private void ExtendTree()
    {
        try
        {
            _tree ??= new MerkleTree(_nodes!);
            while (_untreed.TryPeek(out var leafHash))
            {
                _tree.AppendLeafHash(leafHash);
                _untreed.Dequeue();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The tree's edge moved past the store: read it back from the store next time.
            _tree = null;
            _metrics.Runtime.DiskWriteFailures.WithLabels(DiskStores.AuditLog).Inc();
            _metrics.Failures.WithLabels("tree").Inc();
            LogTreeBehind(_logger, _untreed.Count, ex.Message);
        }
    }

    private void WriteAttachments(List<PendingAppend> batch)
    {
        var frames = 0L;
        foreach (var pending in batch)
        {
            frames += pending.Frame?.Length ?? 0;
        }

        if (frames == 0)
        {
            return;
        }

        var file = _attachments!;
        if (file.Length != _attachmentsLength)
        {
            file.SetLength(_attachmentsLength);
        }

        file.Position = _attachmentsLength;
        foreach (var pending in batch)
        {
            if (pending.Frame is { } frame)
            {
                file.Write(frame);
            }
        }

        file.Flush(flushToDisk: true);
        _attachmentsLength += frames;
        _metrics.AttachmentBytes.Set(_attachmentsLength);
    }

    private void OpenAttachments()
    {
        _attachments = new FileStream(_files.Attachments, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        var (_, complete) = AttachmentFile.Scan(_attachments);
        if (_attachments.Length > complete)
        {
            var torn = _attachments.Length - complete;
            _attachments.SetLength(complete);
            _attachments.Flush(flushToDisk: true);
            _metrics.Recoveries.WithLabels("torn-attachment").Inc();
            LogTornAttachment(_logger, torn);
        }

        _attachmentsLength = complete;
        _metrics.AttachmentBytes.Set(_attachmentsLength);
    }

    private static void TryCut(FileStream file, long length)
    {
        try
        {
            file.SetLength(length);
        }
        catch (IOException)
        {
            // Cut before the next batch is written.
        }
    }

    private void OpenCheckpoints()
    {
        if (!File.Exists(_files.Checkpoints))
        {
            return;
        }

        var bytes = File.ReadAllBytes(_files.Checkpoints);
        string text;
        try
        {
            text = CanonicalJson.Encoding.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new AuditLogException($"{_files.Checkpoints} is not UTF-8 text: {ex.Message}");
        }

        var (notes, complete) = AuditFiles.SplitCheckpoints(text);
        var completeBytes = Encoding.UTF8.GetByteCount(text.AsSpan(0, complete));
        if (completeBytes < bytes.Length)
        {
            using (var stream = new FileStream(_files.Checkpoints, FileMode.Open, FileAccess.Write, FileShare.Read))
            {
                stream.SetLength(completeBytes);
                stream.Flush(flushToDisk: true);
            }

            _metrics.Recoveries.WithLabels("torn-checkpoint").Inc();
            LogTornCheckpoint(_logger, bytes.Length - completeBytes);
        }

        if (notes.Count == 0)
        {
            return;
        }

        var note = notes[^1];
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Open(note, NoteVerifier.Parse(_signer!.VerifierKey));
        }
        catch (NoteException ex)
        {
            throw new AuditLogException($"{_files.Checkpoints}: the latest checkpoint is not signed by Audit:SigningKeyFile's key for {_options.Origin} ({ex.Failure}: {ex.Message})");
        }

        if (checkpoint.Size > Size)
        {
            throw new AuditLogException($"{_files.Log} holds {Size} records but the latest checkpoint commits to {checkpoint.Size}: records were lost. Run `audit verify`; see docs/audit.md#recovery");
        }

        if (!Prover.Root(checkpoint.Size).AsSpan().SequenceEqual([.. checkpoint.RootHash]))
        {
            throw new AuditLogException($"{_files.Log}: the first {checkpoint.Size} records are not those the latest checkpoint signed: the log was altered. Run `audit verify`; see docs/audit.md#recovery");
        }

        _latest = new SignedHead(checkpoint.Size, note);
        _signed.Writer.TryWrite(note);
        if (!File.Exists(_files.Latest) || File.ReadAllText(_files.Latest) != note)
        {
            AtomicFile.Write(_files.Latest, s => s.Write(Encoding.UTF8.GetBytes(note)));
        }
    }

    [LoggerMessage(EventId = 8200, Level = LogLevel.Information, Message = "Audit log opened: {Records} record(s) in {Directory}, latest checkpoint at size {CheckpointSize}")]
    private static partial void LogOpened(ILogger logger, ulong records, string directory, ulong checkpointSize);

    [LoggerMessage(EventId = 8201, Level = LogLevel.Warning, Message = "Audit log: a torn last line ({Bytes} bytes without a newline, an append cut short by a crash) was cut off after record {Records}; it was never acknowledged")]
    private static partial void LogTornTail(ILogger logger, long bytes, ulong records);

    [LoggerMessage(EventId = 8202, Level = LogLevel.Warning, Message = "Audit log: the node file disagreed with the log from leaf {From}; rebuilt up to {Records} leaves from log.jsonl")]
    private static partial void LogNodesRebuilt(ILogger logger, ulong from, ulong records);

    [LoggerMessage(EventId = 8203, Level = LogLevel.Warning, Message = "Audit log: an incomplete last checkpoint ({Bytes} bytes) was cut off")]
    private static partial void LogTornCheckpoint(ILogger logger, int bytes);

    [LoggerMessage(EventId = 8204, Level = LogLevel.Error, Message = "Audit log: {Count} record(s) could not be written and their appends failed: {Reason}")]
    private static partial void LogAppendFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 8205, Level = LogLevel.Error, Message = "Audit log: the node file refused a write; {Count} durable record(s) join the tree when it takes them: {Reason}")]
    private static partial void LogTreeBehind(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 8206, Level = LogLevel.Debug, Message = "Audit log: checkpoint signed at size {Size}")]
    private static partial void LogCheckpoint(ILogger logger, ulong size);

    [LoggerMessage(EventId = 8207, Level = LogLevel.Warning, Message = "Audit log: an incomplete last attachment ({Bytes} bytes, an append cut short by a crash) was cut off; its record was never written")]
    private static partial void LogTornAttachment(ILogger logger, long bytes);

    private sealed record SignedHead(ulong Size, string Note);

    private sealed class PendingAppend(byte[] leaf, byte[]? frame, string type, long started)
    {
        public byte[] Leaf { get; } = leaf;

        public byte[]? Frame { get; } = frame;

        public string Type { get; } = type;

        public long Started { get; } = started;

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Compares the node file with the nodes the log gives, leaf by leaf, and rewrites it from the first difference.</summary>
    private sealed class NodeRebuild(FileStream nodes)
    {
        private readonly CompactRange _range = CompactRange.Of(new MemoryNodeStore(), 0);
        private readonly byte[] _slot = new byte[Rfc6962.HashSize];
        private ulong _leaves;

        public ulong? RebuiltFrom { get; private set; }

        public void Leaf(byte[] leafHash)
        {
            var completed = _range.Append(leafHash);
            if (RebuiltFrom is null && !completed.TrueForAll(Matches))
            {
                RebuiltFrom = _leaves;
                nodes.SetLength((long)NodeLayout.NodeCount(_leaves) * Rfc6962.HashSize);
                nodes.Position = nodes.Length;
            }

            if (RebuiltFrom is not null)
            {
                completed.ForEach(n => nodes.Write(n));
            }

            _leaves++;
        }

        public void Finish()
        {
            // Nodes beyond the log (a log cut shorter) are dropped.
            var expected = (long)NodeLayout.NodeCount(_leaves) * Rfc6962.HashSize;
            if (nodes.Length != expected)
            {
                RebuiltFrom ??= _leaves;
                nodes.SetLength(expected);
            }

            nodes.Flush();
        }

        private bool Matches(byte[] node)
        {
            if (nodes.ReadAtLeast(_slot, _slot.Length, throwOnEndOfStream: false) != _slot.Length)
            {
                return false;
            }

            return _slot.AsSpan().SequenceEqual(node);
        }
    }
}

/// <summary>The log cannot be opened as it is; the message says why and where.</summary>
public sealed class AuditLogException : Exception
{
    public AuditLogException()
    {
    }

    public AuditLogException(string message)
        : base(message)
    {
    }

    public AuditLogException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
