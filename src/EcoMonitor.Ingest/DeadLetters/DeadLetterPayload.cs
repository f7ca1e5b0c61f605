using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace EcoMonitor.Ingest.DeadLetters;

/// <summary>
/// What a dead letter keeps of a payload: at most a bound of its bytes (cut on a character
/// boundary when it is text), as text when that part is UTF-8, else base64, and the whole
/// payload's size and SHA-256, so that a cut payload can still be matched with the sender's copy.
/// Reads the payload in place: a huge one is never copied whole.
/// </summary>
internal sealed record DeadLetterPayload(string? Text, string? Base64, long Bytes, string Sha256, bool Truncated)
{
    public static DeadLetterPayload Of(ReadOnlySpan<byte> payload, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(payload));
        var truncated = payload.Length > maxBytes;
        var kept = payload[..Math.Min(payload.Length, maxBytes)];
        var text = kept;
        if (truncated)
        {
            // Do not split a UTF-8 sequence: drop the continuation bytes (at most 3) of a
            // character the cut runs through, and its lead byte.
            var end = kept.Length;
            while (end > 0 && kept.Length - end < 4 && (payload[end] & 0xC0) == 0x80)
            {
                end--;
            }

            text = kept[..end];
        }

        return Utf8.IsValid(text)
            ? new DeadLetterPayload(Encoding.UTF8.GetString(text), null, payload.Length, sha256, truncated)
            : new DeadLetterPayload(null, Convert.ToBase64String(kept), payload.Length, sha256, truncated);
    }
}
