namespace EcoMonitor.Core.DeadLetters;

/// <summary>
/// Why a message, a record of it or a single reading was refused. <see cref="Record"/> is the
/// index of the record in a batch payload; <see cref="Metric"/> and <see cref="Value"/> are set
/// when one reading alone was refused.
/// </summary>
public sealed record Rejection(string Code, string Reason, int? Record = null, string? Metric = null, double? Value = null)
{
    public override string ToString()
    {
        var where = (Record, Metric) switch
        {
            (null, null) => string.Empty,
            (int r, null) => $" [record {r}]",
            (null, string m) => $" [{m}]",
            (int r, string m) => $" [record {r}, {m}]",
        };
        return $"{Code}{where}: {Reason}";
    }
}
