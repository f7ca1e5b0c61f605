using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EcoMonitor.Audit.Notes;

/// <summary>A new key, as text: the signer key to keep secret and the verifier key to publish.</summary>
public sealed record NoteKeyPair(string SignerKey, string VerifierKey);

/// <summary>The key texts of C2SP signed-note for Ed25519 (docs/audit.md#keys).</summary>
public static class NoteKeys
{
    /// <summary>Signature type 0x01: Ed25519.</summary>
    internal const byte Ed25519 = 0x01;

    internal const string SignerPrefix = "PRIVATE+KEY+";

    /// <summary>A fresh Ed25519 key named <paramref name="name"/>.</summary>
    public static NoteKeyPair Generate(string name)
    {
        NoteNames.Require(name, nameof(name));
        using var signer = NoteSigner.Create(name, RandomNumberGenerator.GetBytes(32));
        return new NoteKeyPair(signer.SignerKey(), signer.VerifierKey);
    }

    /// <summary>The verifier key of an Ed25519 public key: name+hex(key ID)+base64(0x01 || key).</summary>
    public static string VerifierKey(string name, ReadOnlySpan<byte> publicKey)
    {
        NoteNames.Require(name, nameof(name));
        if (publicKey.Length != 32)
        {
            throw new ArgumentException($"an Ed25519 public key is 32 bytes, not {publicKey.Length}", nameof(publicKey));
        }

        byte[] typed = [Ed25519, .. publicKey];
        return $"{name}+{KeyHash(name, typed):x8}+{Convert.ToBase64String(typed)}";
    }

    /// <summary>Key ID = first four bytes, big-endian, of SHA-256(name || 0x0A || type || public key).</summary>
    internal static uint KeyHash(string name, ReadOnlySpan<byte> typedPublicKey)
    {
        byte[] input = [.. Encoding.UTF8.GetBytes(name), (byte)'\n', .. typedPublicKey];
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>The three parts after any prefix: name, key ID (exactly eight hex digits), key bytes (strict base64, type first).</summary>
    internal static (string Name, uint Hash, byte[] Key)? Split(string text)
    {
        // The base64 may hold '+' itself: only the first two separate.
        var parts = text.Split('+', 3);
        if (parts.Length != 3 || !NoteNames.IsValid(parts[0]) || parts[1].Length != 8
            || !parts[1].All(char.IsAsciiHexDigitLower)
            || !uint.TryParse(parts[1], System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var hash))
        {
            return null;
        }

        var key = NoteBase64.Decode(parts[2]);
        return key is { Length: > 0 } ? (parts[0], hash, key) : null;
    }
}
