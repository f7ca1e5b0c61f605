using System.Text;
using EcoMonitor.Audit.Merkle;
using EcoMonitor.Audit.Notes;

namespace EcoMonitor.Audit.Log;

/// <summary>A log directory read back whole, for the offline verbs: every leaf hash and where each line is.</summary>
public sealed class LoadedLog
{
    private readonly List<(long Start, int Length)> _lines = [];
    private readonly List<byte[]> _leafHashes = [];

    private LoadedLog(AuditFiles files) => Files = files;

    public AuditFiles Files { get; }

    public ulong Records => (ulong)_leafHashes.Count;

    /// <summary>The first record that is not canonical JSON: its index and why.</summary>
    public (ulong Index, string Why)? FirstMalformed { get; private set; }

    /// <summary>Bytes after the last newline (a torn or cut last line).</summary>
    public long TornBytes { get; private set; }

    /// <summary>The tree recomputed from the log.</summary>
    public MerkleProver Prover { get; private set; } = null!;

    public IReadOnlyList<byte[]> LeafHashes => _leafHashes;

    /// <summary>Reads log.jsonl; throws <see cref="IOException"/> or <see cref="FileNotFoundException"/> when it cannot.</summary>
    public static LoadedLog Read(AuditFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var log = new LoadedLog(files);
        var store = new MemoryNodeStore();
        var tree = new MerkleTree(store);
        using (var stream = new FileStream(files.Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            var complete = AuditFiles.ScanLines(stream, (offset, line) =>
            {
                if (log.FirstMalformed is null && AuditFiles.CheckRecord(line) is { } why)
                {
                    log.FirstMalformed = ((ulong)log._lines.Count, why);
                }

                log._lines.Add((offset, line.Length));
                var hash = Rfc6962.LeafHash(line);
                log._leafHashes.Add(hash);
                tree.AppendLeafHash(hash);
            });
            log.TornBytes = stream.Length - complete;
        }

        log.Prover = new MerkleProver(store);
        return log;
    }

    /// <summary>The bytes of record <paramref name="index"/> (its line without the newline).</summary>
    public byte[] Leaf(ulong index)
    {
        var (start, length) = _lines[checked((int)index)];
        using var stream = new FileStream(Files.Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Position = start;
        var leaf = new byte[length];
        stream.ReadExactly(leaf);
        return leaf;
    }
}

/// <summary>What <see cref="LogVerification.Verify"/> found.</summary>
public sealed record VerificationReport(ulong Records, int Checkpoints, byte[] Root, IReadOnlyList<string> Problems)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// <c>audit verify</c> (docs/audit.md#verbs): recomputes the tree from log.jsonl, opens every
/// checkpoint with the verifier key, checks each root against the recomputed root at its size and
/// the consistency of successive checkpoints. Where a checkpoint disagrees, the node file (the
/// leaf hashes the service wrote) names the first record that changed, when its own tree matches
/// the checkpoint; otherwise the range between the last good checkpoint and this one.
/// </summary>
public static class LogVerification
{
    public static VerificationReport Verify(AuditFiles files, NoteVerifier key)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(key);
        var log = LoadedLog.Read(files);
        var n = log.Records;
        var recordProblems = new SortedDictionary<ulong, string>();
        var problems = new List<string>();
        if (log.FirstMalformed is var (index, why))
        {
            recordProblems.TryAdd(index, $"record {index} (line {index + 1}): {why}");
        }

        if (log.TornBytes > 0)
        {
            recordProblems.TryAdd(n, $"record {n} (line {n + 1}): incomplete, {log.TornBytes} bytes without a newline");
        }

        var written = NodeFileLeaves(files);
        var notes = ReadCheckpoints(files, problems);
        ulong goodSize = 0;
        byte[]? goodRoot = null;
        var number = 0;
        foreach (var (where, note) in notes)
        {
            number++;
            Checkpoint checkpoint;
            try
            {
                checkpoint = Checkpoint.Open(note, key);
            }
            catch (NoteException ex)
            {
                problems.Add($"{where}: refused, {Describe(ex.Failure)}: {ex.Message}");
                continue;
            }

            var size = checkpoint.Size;
            byte[] root = [.. checkpoint.RootHash];
            if (goodRoot is not null && size < goodSize)
            {
                problems.Add($"{where}: size {size} is below an earlier checkpoint's {goodSize}: the log cannot shrink");
                continue;
            }

            if (size <= n && log.Prover.Root(size).AsSpan().SequenceEqual(root))
            {
                if (goodRoot is not null && goodSize > 0
                    && !MerkleVerifier.VerifyConsistency(goodSize, size, log.Prover.Consistency(goodSize, size).Path, goodRoot, root).IsValid)
                {
                    problems.Add($"{where}: not consistent with the checkpoint at size {goodSize}");
                }

                (goodSize, goodRoot) = (size, root);
                continue;
            }

            // The checkpoint does not match the log: find the first record that differs.
            if (written is not null && (ulong)written.Count >= size && TreeRoot(written, size).AsSpan().SequenceEqual(root))
            {
                var first = goodSize;
                while (first < size && first < n && log.LeafHashes[(int)first].AsSpan().SequenceEqual(written[(int)first]))
                {
                    first++;
                }

                recordProblems.TryAdd(first, first >= n
                    ? $"record {first} (line {first + 1}) is missing: the log has {n} records, {where} commits to {size}"
                    : $"record {first} (line {first + 1}) is not the record {where} signed (altered, deleted or moved)");
            }
            else if (size > n)
            {
                recordProblems.TryAdd(n, $"record {n} (line {n + 1}) is missing: the log has {n} records, {where} commits to {size}");
            }
            else if (written is not null && (ulong)written.Count >= size && log.Prover.Root(size).AsSpan().SequenceEqual(TreeRoot(written, size)))
            {
                problems.Add($"{where}: its root is not that of the first {size} records, which agree with the node file: the checkpoint is forged");
            }
            else
            {
                recordProblems.TryAdd(goodSize, $"records {goodSize}–{size - 1} (lines {goodSize + 1}–{size}): at least one is not what {where} signed");
            }
        }

        return new VerificationReport(n, number, log.Prover.Root(n), [.. recordProblems.Values.Take(1), .. problems]);
    }

    private static string Describe(NoteFailure failure) => failure switch
    {
        NoteFailure.UnknownKey => "not signed by the log's key",
        NoteFailure.InvalidSignature => "bad signature",
        _ => "malformed",
    };

    private static List<(string Where, string Note)> ReadCheckpoints(AuditFiles files, List<string> problems)
    {
        var notes = new List<(string, string)>();
        if (File.Exists(files.Checkpoints))
        {
            var text = Encoding.UTF8.GetString(File.ReadAllBytes(files.Checkpoints));
            var (all, complete) = AuditFiles.SplitCheckpoints(text);
            notes.AddRange(all.Select((note, i) => ($"checkpoint {i + 1} of {files.Checkpoints}", note)));
            if (complete < text.Length)
            {
                problems.Add($"{files.Checkpoints}: ends in an incomplete checkpoint");
            }
        }

        // The latest alone, when it is not the last of the list (a crash between the two writes, or an edit).
        if (File.Exists(files.Latest) && Encoding.UTF8.GetString(File.ReadAllBytes(files.Latest)) is var latest
            && (notes.Count == 0 || notes[^1].Item2 != latest))
        {
            notes.Add(($"the latest checkpoint ({files.Latest})", latest));
        }

        return notes;
    }

    // The leaf hashes the node file holds (level 0), or null without a node file.
    private static List<byte[]>? NodeFileLeaves(AuditFiles files)
    {
        if (!File.Exists(files.Nodes))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(files.Nodes);
        var leaves = new List<byte[]>();
        for (ulong i = 0; ; i++)
        {
            var end = ((long)NodeLayout.NodeCount(i + 1)) * Rfc6962.HashSize;
            if (end > bytes.Length)
            {
                return leaves;
            }

            var at = (int)NodeLayout.Position(0, i) * Rfc6962.HashSize;
            leaves.Add(bytes.AsSpan(at, Rfc6962.HashSize).ToArray());
        }
    }

    private static byte[] TreeRoot(List<byte[]> leafHashes, ulong size)
    {
        var tree = new MerkleTree(new MemoryNodeStore());
        foreach (var hash in leafHashes.Take((int)size))
        {
            tree.AppendLeafHash(hash);
        }

        return tree.Root();
    }
}
