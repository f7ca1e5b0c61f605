using System.Globalization;
using System.Text;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Storage;

/// <summary>
/// InfluxDB line protocol for readings (DESIGN §5): measurement = kind, tags site and device,
/// one float field per metric, millisecond timestamp. Consecutive readings of one series at one
/// time share a line, as a node's record does; a line never repeats a field.
/// </summary>
public static class LineProtocol
{
    public static IEnumerable<string> Format(IEnumerable<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        return FormatLines(readings);
    }

    private static IEnumerable<string> FormatLines(IEnumerable<Reading> readings)
    {
        var line = new StringBuilder();
        var fields = new HashSet<string>(StringComparer.Ordinal);
        Reading? head = null;
        foreach (var reading in readings)
        {
            // A repeated field (a record sent twice) starts a new line: a line holds each key once.
            if (head is not null && SamePoint(head, reading) && fields.Add(reading.Metric))
            {
                line.Append(',');
                AppendField(line, reading);
                continue;
            }

            if (head is not null)
            {
                yield return Finish(line, head);
            }

            head = reading;
            line.Clear();
            fields.Clear();
            fields.Add(reading.Metric);
            line.Append(Escape(reading.Kind.ToName(), measurement: true));
            line.Append(",device=").Append(Escape(reading.Device)).Append(",site=").Append(Escape(reading.Site)).Append(' ');
            AppendField(line, reading);
        }

        if (head is not null)
        {
            yield return Finish(line, head);
        }
    }

    private static bool SamePoint(Reading a, Reading b) =>
        a.Kind == b.Kind && a.TimestampMs == b.TimestampMs && a.Site == b.Site && a.Device == b.Device;

    private static string Finish(StringBuilder line, Reading head) =>
        line.Append(' ').Append(head.TimestampMs.ToString(CultureInfo.InvariantCulture)).ToString();

    private static void AppendField(StringBuilder line, Reading reading) =>
        line.Append(Escape(reading.Metric)).Append('=').Append(reading.Value.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>Tag keys, tag values and field keys escape comma, equals and space.</summary>
    private static string Escape(string value, bool measurement = false)
    {
        if (value.AsSpan().IndexOfAny(measurement ? ", " : ", =") < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (c is ',' or ' ' || (!measurement && c == '='))
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>
    /// How many fields (readings) a line written by <see cref="Format"/> carries: its field set
    /// lies between the first unescaped space and the last space, and field values are numbers.
    /// </summary>
    public static int CountFields(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var start = -1;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\')
            {
                i++;
            }
            else if (line[i] == ' ')
            {
                start = i;
                break;
            }
        }

        var end = line.LastIndexOf(' ');
        if (start < 0 || end <= start)
        {
            return 0;
        }

        return line.AsSpan(start + 1, end - start - 1).Count(',') + 1;
    }
}
