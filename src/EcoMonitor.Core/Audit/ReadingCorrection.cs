using System.Globalization;

namespace EcoMonitor.Core.Audit;

/// <summary>
/// A stored value changed on purpose (docs/audit.md#corrections): which point, the value it held
/// and the one it holds now, who made the change and why. Logged as a <c>correction</c> record, so
/// that <c>audit verify-readings</c> expects the new value instead of reporting it altered.
/// </summary>
public sealed record ReadingCorrection(PointKey Key, double Old, double New, string By, string Reason)
{
    public AuditRecord ToRecord(DateTimeOffset at) =>
        new(AuditRecordTypes.Correction, at, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["measurement"] = Key.Measurement,
            ["site"] = Key.Site,
            ["device"] = Key.Device,
            ["metric"] = Key.Metric,
            ["time"] = DateTimeOffset.FromUnixTimeMilliseconds(Key.TimestampMs),
            ["old"] = Old,
            ["new"] = New,
            ["by"] = By,
            ["reason"] = Reason,
        });

    /// <summary>The correction a record's fields describe, or null when they do not describe one.</summary>
    public static ReadingCorrection? FromFields(IReadOnlyDictionary<string, object?> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (Text(fields, "measurement") is not { } measurement || Text(fields, "site") is not { } site || Text(fields, "device") is not { } device
            || Text(fields, "metric") is not { } metric || Text(fields, "by") is not { } by || Text(fields, "reason") is not { } reason
            || Number(fields, "old") is not { } old || Number(fields, "new") is not { } @new
            || !DateTimeOffset.TryParseExact(Text(fields, "time"), "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return null;
        }

        return new ReadingCorrection(new PointKey(measurement, site, device, metric, time.ToUnixTimeMilliseconds()), old, @new, by, reason);
    }

    private static string? Text(IReadOnlyDictionary<string, object?> fields, string name) =>
        fields.TryGetValue(name, out var value) && value is string { Length: > 0 } text ? text : null;

    private static double? Number(IReadOnlyDictionary<string, object?> fields, string name) =>
        fields.TryGetValue(name, out var value) ? value switch
        {
            long l => l,
            ulong u => u,
            double d => d,
            _ => null,
        } : null;
}
