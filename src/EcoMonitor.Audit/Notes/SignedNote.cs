using System.Buffers.Binary;
using System.Text;

namespace EcoMonitor.Audit.Notes;

/// <summary>One signature line: key name, key ID and the base64 of (key ID || signature).</summary>
public sealed record NoteSignature(string Name, uint KeyHash, string Base64);

/// <summary>An opened note: its text (with the final newline), the signatures verified by a given key, and those by keys not given.</summary>
public sealed record OpenedNote(string Text, IReadOnlyList<NoteSignature> Verified, IReadOnlyList<NoteSignature> Unverified);

/// <summary>
/// C2SP signed-note: text ending in a newline, a blank line, then one line per signature,
/// <c>— name base64(key ID || signature)</c> with an em dash (docs/audit.md#signed-notes).
/// </summary>
public static class SignedNote
{
    /// <summary>The most signature lines <see cref="Open(ReadOnlySpan{byte}, IEnumerable{NoteVerifier})"/> reads (the spec asks for at least 16).</summary>
    public const int MaxSignatures = 100;

    private const string SignaturePrefix = "\u2014 ";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The signed note of <paramref name="text"/>: its text, a blank line, one signature line per signer.</summary>
    public static string Sign(string text, params IReadOnlyList<NoteSigner> signers)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(signers);
        if (!text.EndsWith('\n') || text.Any(c => c < 0x20 && c != '\n'))
        {
            throw new ArgumentException("a note's text ends in a newline and has no other control characters", nameof(text));
        }

        if (signers.Count == 0)
        {
            throw new ArgumentException("a note needs a signer", nameof(signers));
        }

        var message = StrictUtf8.GetBytes(text);
        var note = new StringBuilder(text).Append('\n');
        foreach (var signer in signers)
        {
            var signature = new byte[4 + 64];
            BinaryPrimitives.WriteUInt32BigEndian(signature, signer.KeyHash);
            signer.Sign(message).CopyTo(signature, 4);
            note.Append(SignaturePrefix).Append(signer.Name).Append(' ').Append(Convert.ToBase64String(signature)).Append('\n');
        }

        return note.ToString();
    }

    /// <summary>Opens a note given as text; see <see cref="Open(ReadOnlySpan{byte}, IEnumerable{NoteVerifier})"/>.</summary>
    public static OpenedNote Open(string note, IEnumerable<NoteVerifier> known)
    {
        ArgumentNullException.ThrowIfNull(note);
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(note);
        }
        catch (EncoderFallbackException e)
        {
            throw new NoteException(NoteFailure.Malformed, "the note is not valid UTF-8: " + e.Message);
        }

        return Open(bytes, known);
    }

    /// <summary>
    /// Opens a note: checks its form, verifies every signature by a key in <paramref name="known"/>
    /// and keeps the others as unverified (the spec says to ignore them). Throws
    /// <see cref="NoteException"/>: <see cref="NoteFailure.Malformed"/>,
    /// <see cref="NoteFailure.UnknownKey"/> when no known key signed it,
    /// <see cref="NoteFailure.InvalidSignature"/> when a known key's signature fails.
    /// </summary>
    public static OpenedNote Open(ReadOnlySpan<byte> note, IEnumerable<NoteVerifier> known)
    {
        var keys = Index(known);
        string whole;
        try
        {
            whole = StrictUtf8.GetString(note);
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("the note is not valid UTF-8");
        }

        if (whole.Any(c => c < 0x20 && c != '\n'))
        {
            throw Malformed("the note has a control character other than newline");
        }

        // The text ends at the last blank line: signature lines hold none.
        var split = whole.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw Malformed("the note has no blank line before its signatures");
        }

        var text = whole[..(split + 1)];
        var lines = whole[(split + 2)..];
        if (lines.Length == 0 || !lines.EndsWith('\n'))
        {
            throw Malformed("the signature lines do not end in a newline");
        }

        var message = note[..StrictUtf8.GetByteCount(text)];
        var verified = new List<NoteSignature>();
        var unverified = new List<NoteSignature>();
        var signatures = lines[..^1].Split('\n');
        if (signatures.Length > MaxSignatures)
        {
            throw Malformed($"the note has more than {MaxSignatures} signatures");
        }

        foreach (var line in signatures)
        {
            var (signature, raw) = ParseLine(line);
            if (!keys.TryGetValue((signature.Name, signature.KeyHash), out var key))
            {
                if (!unverified.Contains(signature))
                {
                    unverified.Add(signature);
                }

                continue;
            }

            if (!key.Verify(message, raw.AsSpan(4)))
            {
                throw new NoteException(NoteFailure.InvalidSignature, $"the signature of {signature.Name}+{signature.KeyHash:x8} does not verify");
            }

            if (!verified.Contains(signature))
            {
                verified.Add(signature);
            }
        }

        if (verified.Count == 0)
        {
            throw new NoteException(NoteFailure.UnknownKey, "no signature by a known key: " + string.Join(", ", unverified.Select(s => $"{s.Name}+{s.KeyHash:x8}")));
        }

        return new OpenedNote(text, verified, unverified);
    }

    private static (NoteSignature Signature, byte[] Raw) ParseLine(string line)
    {
        if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            throw Malformed("a signature line does not start with an em dash and a space");
        }

        var rest = line[SignaturePrefix.Length..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? rest : rest[..space];
        var base64 = space < 0 ? "" : rest[(space + 1)..];
        if (!NoteNames.IsValid(name))
        {
            throw Malformed($"'{name}' is not a key name");
        }

        // Key ID and at least one byte of signature.
        if (NoteBase64.Decode(base64) is not { Length: >= 5 } raw)
        {
            throw Malformed($"the signature of {name} is not base64 of a key ID and a signature");
        }

        return (new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(raw), base64), raw);
    }

    private static Dictionary<(string, uint), NoteVerifier> Index(IEnumerable<NoteVerifier> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        var keys = new Dictionary<(string, uint), NoteVerifier>();
        foreach (var key in known)
        {
            if (keys.TryGetValue((key.Name, key.KeyHash), out var other) && other.VerifierKey != key.VerifierKey)
            {
                throw new ArgumentException($"two known keys are {key.Name}+{key.KeyHash:x8}", nameof(known));
            }

            keys[(key.Name, key.KeyHash)] = key;
        }

        return keys;
    }

    private static NoteException Malformed(string message) => new(NoteFailure.Malformed, message);
}
