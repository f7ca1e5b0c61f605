using System.Globalization;
using System.Text;
using System.Text.Json;
using EcoMonitor.Core.Audit;

namespace EcoMonitor.Audit.Log;

/// <summary>The files of a log directory (docs/audit.md#files) and how they are read.</summary>
public sealed class AuditFiles(string directory)
{
    /// <summary>The directory below the data directory.</summary>
    public const string DirectoryName = "audit";

    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>One canonical JSON record per line; the line without its newline is the leaf.</summary>
    public string Log => Path.Combine(Directory, "log.jsonl");

    /// <summary>Every complete subtree's hash, 32 bytes each, in NodeLayout order; rebuilt from the log when it disagrees.</summary>
    public string Nodes => Path.Combine(Directory, "nodes.bin");

    /// <summary>What records bind by SHA-256 without carrying it (<see cref="AttachmentFile"/>), written before them.</summary>
    public string Attachments => Path.Combine(Directory, "attachments.bin");

    /// <summary>Every signed checkpoint, each note followed by an empty line.</summary>
    public string Checkpoints => Path.Combine(Directory, "checkpoints");

    /// <summary>The latest signed checkpoint alone, replaced atomically.</summary>
    public string Latest => Path.Combine(Directory, "checkpoint");

    /// <summary>
    /// Calls <paramref name="line"/> for each complete line (offset, bytes without the newline);
    /// returns the length of the complete lines: anything after it is a torn tail.
    /// </summary>
    internal static long ScanLines(Stream stream, Action<long, ReadOnlySpan<byte>> line)
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        long consumed = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                return consumed;
            }

            filled += read;
            var start = 0;
            int newline;
            while ((newline = Array.IndexOf(buffer, (byte)'\n', start, filled - start)) >= 0)
            {
                line(consumed, buffer.AsSpan(start, newline - start));
                consumed += newline - start + 1;
                start = newline + 1;
            }

            Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
            filled -= start;
        }
    }

    /// <summary>Null when <paramref name="leaf"/> is a record exactly as <see cref="CanonicalJson"/> writes it, else why not.</summary>
    internal static string? CheckRecord(ReadOnlySpan<byte> leaf)
    {
        var (record, why) = ParseRecord(leaf);
        if (record is null)
        {
            return why;
        }

        return CanonicalJson.Serialize(record).AsSpan().SequenceEqual(leaf) ? null : "not in canonical form (altered)";
    }

    /// <summary>The record a leaf holds (not checked for canonical form), or why it holds none.</summary>
    internal static (AuditRecord? Record, string? Why) ParseRecord(ReadOnlySpan<byte> leaf)
    {
        AuditRecord record;
        try
        {
            using var json = JsonDocument.Parse(leaf.ToArray());
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "not a JSON object");
            }

            if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() is not { Length: > 0 } typeName)
            {
                return (null, "no 'type'");
            }

            if (!root.TryGetProperty("at", out var at) || at.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParseExact(at.GetString(), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                return (null, "no 'at' time");
            }

            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("type" or "at"))
                {
                    fields[property.Name] = Value(property.Value);
                }
            }

            record = new AuditRecord(typeName, time, fields);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or DecoderFallbackException)
        {
            return (null, "not JSON: " + ex.Message);
        }

        return (record, null);
    }

    private static object? Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        JsonValueKind.Number when value.TryGetInt64(out var l) => l,
        JsonValueKind.Number when value.TryGetUInt64(out var u) => u,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.Array => value.EnumerateArray().Select(Value).ToList(),
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value), StringComparer.Ordinal),
        _ => throw new ArgumentException($"unexpected JSON {value.ValueKind}"),
    };

    /// <summary>
    /// The notes of a checkpoints file, in order, and the length of the complete ones: a note is
    /// its text, an empty line, its signature lines, then an empty line.
    /// </summary>
    internal static (List<string> Notes, int CompleteLength) SplitCheckpoints(string text)
    {
        var notes = new List<string>();
        var start = 0;
        var position = 0;
        var inSignatures = false;
        while (position < text.Length)
        {
            var newline = text.IndexOf('\n', position);
            if (newline < 0)
            {
                break;
            }

            var line = text.AsSpan(position, newline - position);
            position = newline + 1;
            if (line.Length == 0)
            {
                if (inSignatures)
                {
                    notes.Add(text[start..(position - 1)]);
                    start = position;
                    inSignatures = false;
                }
                else
                {
                    inSignatures = true;
                }
            }
        }

        return (notes, start);
    }
}
