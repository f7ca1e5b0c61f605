using System.Globalization;
using System.Text;
using EcoMonitor.Audit.Merkle;

namespace EcoMonitor.Audit.Notes;

/// <summary>
/// C2SP tlog-checkpoint: the note text <c>origin\nsize\nbase64(root)\n</c> and optional extension
/// lines, the signed head of a log at one size (docs/audit.md#checkpoints).
/// </summary>
public sealed record Checkpoint
{
    public Checkpoint(string origin, ulong size, byte[] rootHash, IReadOnlyList<string>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(rootHash);
        if (origin.Length == 0 || origin.Any(char.IsControl))
        {
            throw new ArgumentException("an origin is one non-empty line", nameof(origin));
        }

        if (rootHash.Length != Rfc6962.HashSize)
        {
            throw new ArgumentException($"a root hash is {Rfc6962.HashSize} bytes, not {rootHash.Length}", nameof(rootHash));
        }

        extensions ??= [];
        if (extensions.Any(e => e is null || e.Length == 0 || e.Any(char.IsControl)))
        {
            throw new ArgumentException("an extension is one non-empty line", nameof(extensions));
        }

        Origin = origin;
        Size = size;
        RootHash = [.. rootHash];
        Extensions = [.. extensions];
    }

    /// <summary>The log's identity; this log names its key after it.</summary>
    public string Origin { get; }

    /// <summary>Leaves in the tree.</summary>
    public ulong Size { get; }

    /// <summary>RFC 6962 root of the tree at <see cref="Size"/>.</summary>
    public IReadOnlyList<byte> RootHash { get; }

    /// <summary>Opaque lines after the root; the spec advises none.</summary>
    public IReadOnlyList<string> Extensions { get; }

    // The hash and the extensions compare by content, not by reference.
    public bool Equals(Checkpoint? other) =>
        other is not null && Origin == other.Origin && Size == other.Size
        && RootHash.SequenceEqual(other.RootHash) && Extensions.SequenceEqual(other.Extensions, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Origin, Size, Convert.ToHexString([.. RootHash]));

    /// <summary>The note text, each line ending in a newline.</summary>
    public string Format()
    {
        var text = new StringBuilder()
            .Append(Origin).Append('\n')
            .Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Convert.ToBase64String([.. RootHash])).Append('\n');
        foreach (var extension in Extensions)
        {
            text.Append(extension).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A checkpoint from note text; throws <see cref="FormatException"/> naming the bad line.</summary>
    public static Checkpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.EndsWith('\n'))
        {
            throw new FormatException("a checkpoint ends in a newline");
        }

        var lines = text[..^1].Split('\n');
        if (lines.Length < 3)
        {
            throw new FormatException("a checkpoint has an origin, a size and a root hash line");
        }

        if (lines[0].Length == 0)
        {
            throw new FormatException("the origin line is empty");
        }

        // Decimal, no sign, no leading zero except for 0 itself.
        if (lines[1].Length == 0 || !lines[1].All(char.IsAsciiDigit) || (lines[1].Length > 1 && lines[1][0] == '0')
            || !ulong.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new FormatException($"the size line '{lines[1]}' is not a tree size in decimal");
        }

        if (NoteBase64.Decode(lines[2]) is not { Length: Rfc6962.HashSize } root)
        {
            throw new FormatException($"the root line is not the base64 of a {Rfc6962.HashSize}-byte hash");
        }

        if (lines.Skip(3).Any(l => l.Length == 0))
        {
            throw new FormatException("an extension line is empty");
        }

        try
        {
            return new Checkpoint(lines[0], size, root, lines[3..]);
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    /// <summary>The signed note of this checkpoint; the key must be named after the origin.</summary>
    public string Sign(NoteSigner log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (log.Name != Origin)
        {
            throw new ArgumentException($"the log's key is named {log.Name}, not after the origin {Origin}", nameof(log));
        }

        return SignedNote.Sign(Format(), log);
    }

    /// <summary>
    /// The checkpoint in <paramref name="note"/>, signed by <paramref name="log"/> and with its
    /// name as origin. Throws <see cref="NoteException"/> for the note, and a malformed one when its
    /// text is not a checkpoint of that origin.
    /// </summary>
    public static Checkpoint Open(string note, NoteVerifier log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var opened = SignedNote.Open(note, [log]);
        Checkpoint checkpoint;
        try
        {
            checkpoint = Parse(opened.Text);
        }
        catch (FormatException e)
        {
            throw new NoteException("the note is not a checkpoint: " + e.Message, e);
        }

        return checkpoint.Origin == log.Name
            ? checkpoint
            : throw new NoteException(NoteFailure.Malformed, $"the checkpoint's origin {checkpoint.Origin} is not the log's key name {log.Name}");
    }
}
