namespace EcoMonitor.Audit.Notes;

/// <summary>What a key name may be (C2SP signed-note, "Format"): non-empty, no Unicode space, no '+'.</summary>
internal static class NoteNames
{
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name)
        && !name.Any(char.IsWhiteSpace)
        && !name.Contains('+', StringComparison.Ordinal)
        && !name.Any(char.IsControl)
        && IsWellFormed(name);

    public static string Require(string? name, string parameter) =>
        IsValid(name) ? name! : throw new ArgumentException($"'{name}' is not a key name: non-empty, without spaces or '+'", parameter);

    // No lone surrogate: the name must survive UTF-8.
    private static bool IsWellFormed(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                return false;
            }
        }

        return true;
    }
}
