namespace EcoMonitor.Core.Audit;

/// <summary>What differs between the readings the log vouches for and what a store holds (docs/audit.md#verifying-readings).</summary>
public enum DiscrepancyKind
{
    /// <summary>The store holds another value at the point.</summary>
    Altered,

    /// <summary>The log vouches for the point; the store lacks it.</summary>
    Missing,

    /// <summary>The store holds a point the log never vouched for.</summary>
    Added,
}

public sealed record Discrepancy(DiscrepancyKind Kind, PointKey Key, double? Logged, double? Stored);

/// <summary>
/// Compares the readings the log vouches for with the ones read back from the store. A value is
/// the same when it is equal to 1e-9 relative (VictoriaMetrics' export keeps about 12 significant
/// digits, and a tampered value differs by far more); a point stored twice with one value is one
/// point, as the store keeps it.
/// </summary>
public static class ReadingsComparison
{
    private const double RelativeTolerance = 1e-9;

    public static IReadOnlyList<Discrepancy> Compare(IReadOnlyDictionary<PointKey, double> logged, IEnumerable<StoredPoint> stored)
    {
        ArgumentNullException.ThrowIfNull(logged);
        ArgumentNullException.ThrowIfNull(stored);
        var found = new Dictionary<PointKey, double>();
        foreach (var point in stored)
        {
            found[point.Key] = point.Value;
        }

        var discrepancies = new List<Discrepancy>();
        foreach (var (key, value) in logged)
        {
            if (!found.TryGetValue(key, out var actual))
            {
                discrepancies.Add(new Discrepancy(DiscrepancyKind.Missing, key, value, null));
            }
            else if (!Same(value, actual))
            {
                discrepancies.Add(new Discrepancy(DiscrepancyKind.Altered, key, value, actual));
            }
        }

        foreach (var (key, value) in found)
        {
            if (!logged.ContainsKey(key))
            {
                discrepancies.Add(new Discrepancy(DiscrepancyKind.Added, key, null, value));
            }
        }

        return [.. discrepancies.OrderBy(d => d.Key.TimestampMs).ThenBy(d => d.Key.ToString(), StringComparer.Ordinal)];
    }

    public static bool Same(double a, double b) =>
        a.Equals(b) || Math.Abs(a - b) <= RelativeTolerance * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));
}
