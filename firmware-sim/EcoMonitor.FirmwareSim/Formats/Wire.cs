using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace EcoMonitor.FirmwareSim.Formats;

/// <summary>What the formats share: compact JSON, timestamps and a hash that is stable across runs and machines.</summary>
internal static class Wire
{
    /// <summary>Compact UTF-8 JSON. Utf8JsonWriter writes numbers in the shortest round-trip form, culture-free.</summary>
    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>RFC 3339 UTC with milliseconds, e.g. <c>2026-11-28T08:00:00.000Z</c>.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>FNV-1a over the parts (with a separator), then a SplitMix64 finaliser; never string.GetHashCode, which changes per process.</summary>
    public static ulong Hash(params ReadOnlySpan<string> parts)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var part in parts)
        {
            foreach (var c in part)
            {
                hash ^= c;
                hash *= 0x100000001B3;
            }

            hash ^= 0x1F;
            hash *= 0x100000001B3;
        }

        hash += 0x9E3779B97F4A7C15;
        hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9;
        hash = (hash ^ (hash >> 27)) * 0x94D049BB133111EB;
        return hash ^ (hash >> 31);
    }

    /// <summary>The number at the end of a name (<c>site-07</c> → 7), or null.</summary>
    public static int? TrailingNumber(string name)
    {
        var start = name.Length;
        while (start > 0 && char.IsAsciiDigit(name[start - 1]))
        {
            start--;
        }

        return start < name.Length && name.Length - start <= 9
            ? int.Parse(name.AsSpan(start), NumberStyles.None, CultureInfo.InvariantCulture)
            : null;
    }
}
