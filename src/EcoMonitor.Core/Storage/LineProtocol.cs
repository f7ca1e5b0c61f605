using System.Globalization;
using System.Text;
using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Storage;

/// <summary>
/// InfluxDB line protocol for readings (docs/schema.md#readings): measurement = kind, tags site and device,
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

    /// <summary>The measurement of alert transitions (docs/schema.md#alert-transitions).</summary>
    public const string AlertMeasurement = "alert";

    /// <summary>
    /// An alert transition as docs/schema.md#alert-transitions stores it: measurement <c>alert</c>, tags rule, severity,
    /// site, device, kind, metric (absent for a whole-device deadman), state; numeric fields only
    /// (a string field would be lost in VictoriaMetrics): firing 1/0, value, threshold.
    /// </summary>
    public static string FormatAlert(AlertTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        var line = new StringBuilder(AlertMeasurement);
        line.Append(",device=").Append(Escape(transition.Device));
        line.Append(",kind=").Append(transition.Kind.ToName());
        if (transition.Metric is { } metric)
        {
            line.Append(",metric=").Append(Escape(metric));
        }

        line.Append(",rule=").Append(Escape(transition.RuleName));
        line.Append(",severity=").Append(transition.Severity.ToString().ToLowerInvariant());
        line.Append(",site=").Append(Escape(transition.Site));
        line.Append(",state=").Append(transition.To.ToString().ToLowerInvariant());
        line.Append(" firing=").Append(transition.To == AlertState.Firing ? '1' : '0');
        AppendNumber(line, "value", transition.Value);
        AppendNumber(line, "threshold", transition.Threshold);
        return line.Append(' ').Append(transition.At.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).ToString();

        static void AppendNumber(StringBuilder line, string field, double value)
        {
            if (double.IsFinite(value))
            {
                line.Append(',').Append(field).Append('=').Append(value.ToString("R", CultureInfo.InvariantCulture));
            }
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
