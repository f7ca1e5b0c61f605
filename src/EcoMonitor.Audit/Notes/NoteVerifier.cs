using NSec.Cryptography;

namespace EcoMonitor.Audit.Notes;

/// <summary>
/// An Ed25519 key that verifies notes, from its verifier key text
/// <c>name+hex(key ID)+base64(0x01 || public key)</c> (docs/audit.md#keys).
/// </summary>
public sealed class NoteVerifier
{
    private readonly PublicKey _key;

    private NoteVerifier(string name, uint keyHash, PublicKey key, string text)
    {
        Name = name;
        KeyHash = keyHash;
        _key = key;
        VerifierKey = text;
    }

    public string Name { get; }

    public uint KeyHash { get; }

    public string VerifierKey { get; }

    /// <summary>The key from its verifier key text; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static NoteVerifier Parse(string verifierKey)
    {
        ArgumentNullException.ThrowIfNull(verifierKey);
        if (NoteKeys.Split(verifierKey) is not var (name, hash, key))
        {
            throw new FormatException("not a verifier key: <name>+<8 hex digits>+<base64 key>");
        }

        if (NoteKeys.KeyHash(name, key) != hash)
        {
            throw new FormatException($"verifier key {name}: key ID {hash:x8} is not that of its key");
        }

        if (key[0] != NoteKeys.Ed25519 || key.Length != 33
            || !PublicKey.TryImport(SignatureAlgorithm.Ed25519, key.AsSpan(1), KeyBlobFormat.RawPublicKey, out var publicKey))
        {
            throw new FormatException($"verifier key {name}: not an Ed25519 key (type 0x01, 32 bytes)");
        }

        return new NoteVerifier(name, hash, publicKey!, verifierKey);
    }

    /// <summary>Whether <paramref name="signature"/> is this key's Ed25519 signature of <paramref name="message"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureAlgorithm.Ed25519.SignatureSize && SignatureAlgorithm.Ed25519.Verify(_key, message, signature);
}
