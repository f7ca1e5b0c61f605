using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EcoMonitor.Core.Audit;

/// <summary>
/// The one byte form of an <see cref="AuditRecord"/> (docs/audit.md#canonical-json): an object
/// with <c>type</c>, <c>at</c> (UTC, milliseconds, <c>Z</c>) and the fields; keys sorted by
/// ordinal UTF-16 order at every level, no whitespace, numbers in their shortest round-trip form,
/// strings with System.Text.Json's minimal escaping. The same record always gives the same bytes,
/// so a verifier recomputes the leaf from what it reads.
/// </summary>
public static class CanonicalJson
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Serialize(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Fields.ContainsKey("type") || record.Fields.ContainsKey("at"))
        {
            throw new ArgumentException("a record's fields may not be named 'type' or 'at'", nameof(record));
        }

        var all = new Dictionary<string, object?>(record.Fields, StringComparer.Ordinal)
        {
            ["type"] = record.Type,
            ["at"] = FormatTime(record.At),
        };
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            WriteValue(writer, all);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A time as records carry it: UTC, milliseconds, <c>Z</c>.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case DateTimeOffset t:
                writer.WriteStringValue(FormatTime(t));
                break;
            case double d:
                WriteDouble(writer, d);
                break;
            case float f:
                WriteDouble(writer, f);
                break;
            case int or long or short or byte or uint or ushort or sbyte:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong u:
                writer.WriteNumberValue(u);
                break;
            case decimal m:
                WriteDouble(writer, (double)m);
                break;
            case IEnumerable<KeyValuePair<string, object?>> map:
                WriteObject(writer, map);
                break;
            case IEnumerable<KeyValuePair<string, string>> strings:
                WriteObject(writer, strings.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value)));
                break;
            case IEnumerable<KeyValuePair<string, long>> counts:
                WriteObject(writer, counts.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value)));
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"an audit field cannot hold a {value.GetType().Name}");
        }
    }

    private static void WriteObject(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, object?>> map)
    {
        writer.WriteStartObject();
        foreach (var (key, item) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(key);
            WriteValue(writer, item);
        }

        writer.WriteEndObject();
    }

    private static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (!double.IsFinite(value))
        {
            // JSON has no NaN or infinity; a record says so in words rather than failing to log.
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
            return;
        }

        // Whole numbers without a fraction, others in the shortest form that round-trips.
        if (value == Math.Floor(value) && Math.Abs(value) < 1e15)
        {
            writer.WriteNumberValue((long)value);
            return;
        }

        writer.WriteRawValue(value.ToString("R", CultureInfo.InvariantCulture), skipInputValidation: true);
    }

    /// <summary>UTF-8 without a byte-order mark, the encoding records are read back with.</summary>
    public static Encoding Encoding { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
