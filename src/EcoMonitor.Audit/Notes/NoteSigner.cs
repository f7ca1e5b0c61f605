using NSec.Cryptography;

namespace EcoMonitor.Audit.Notes;

/// <summary>
/// An Ed25519 key that signs notes, from its signer key text
/// <c>PRIVATE+KEY+name+hex(key ID)+base64(0x01 || 32-byte seed)</c> (docs/audit.md#keys).
/// Holds the private key: dispose it when done.
/// </summary>
public sealed class NoteSigner : IDisposable
{
    private readonly Key _key;

    private NoteSigner(string name, Key key)
    {
        Name = name;
        _key = key;
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        VerifierKey = NoteKeys.VerifierKey(name, publicKey);
        KeyHash = NoteKeys.KeyHash(name, [NoteKeys.Ed25519, .. publicKey]);
    }

    public string Name { get; }

    /// <summary>The key ID of the signature lines.</summary>
    public uint KeyHash { get; }

    /// <summary>The verifier key (vkey) to publish.</summary>
    public string VerifierKey { get; }

    /// <summary>The key from its signer key text; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static NoteSigner Parse(string signerKey)
    {
        ArgumentNullException.ThrowIfNull(signerKey);
        var parts = signerKey.StartsWith(NoteKeys.SignerPrefix, StringComparison.Ordinal) ? NoteKeys.Split(signerKey[NoteKeys.SignerPrefix.Length..]) : null;
        if (parts is not var (name, hash, key))
        {
            throw new FormatException("not a signer key: PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>");
        }

        if (key[0] != NoteKeys.Ed25519 || key.Length != 33)
        {
            throw new FormatException($"signer key {name}: not an Ed25519 key (type 0x01, 32-byte seed)");
        }

        var signer = Create(name, key.AsSpan(1));
        if (signer.KeyHash != hash)
        {
            signer.Dispose();
            throw new FormatException($"signer key {name}: key ID {hash:x8} is not that of its key ({signer.KeyHash:x8})");
        }

        return signer;
    }

    /// <summary>The signer key text (secret).</summary>
    public string SignerKey()
    {
        byte[] typed = [NoteKeys.Ed25519, .. _key.Export(KeyBlobFormat.RawPrivateKey)];
        return $"{NoteKeys.SignerPrefix}{Name}+{KeyHash:x8}+{Convert.ToBase64String(typed)}";
    }

    /// <summary>The Ed25519 signature of <paramref name="message"/> (64 bytes).</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(_key, message);

    public void Dispose() => _key.Dispose();

    internal static NoteSigner Create(string name, ReadOnlySpan<byte> seed)
    {
        var parameters = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
        return new NoteSigner(NoteNames.Require(name, nameof(name)), Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, in parameters));
    }
}
