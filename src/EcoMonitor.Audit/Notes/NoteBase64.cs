namespace EcoMonitor.Audit.Notes;

/// <summary>Standard base64 (RFC 4648 §4), strictly: only the canonical encoding of some bytes is accepted, so no two texts mean the same bytes.</summary>
internal static class NoteBase64
{
    public static byte[]? Decode(string text)
    {
        var buffer = new byte[text.Length * 3 / 4];
        if (!Convert.TryFromBase64String(text, buffer, out var written))
        {
            return null;
        }

        var bytes = buffer[..written];
        return Convert.ToBase64String(bytes) == text ? bytes : null;
    }
}
