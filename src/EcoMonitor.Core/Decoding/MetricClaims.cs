using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Decoding;

/// <summary>
/// What the fields of one record offer for each metric, ranked by how the name was mapped
/// (lower rank = stronger). Formats whose payloads carry several sources for one metric (a
/// node with a BME280 and a DHT22, a formatter printing <c>pm2_5</c> next to a field the
/// operator mapped to <c>pm25</c>) need a rule for which one is the reading: the strongest rank
/// wins, weaker offers are left out, and two offers of the same strongest rank keep neither
/// value (<c>duplicate-metric</c>), as in the native format, because which one the node meant is
/// unknowable. A refused value still claims its metric, so a broken preferred sensor is reported
/// rather than silently replaced by a weaker one.
/// </summary>
internal sealed class MetricClaims
{
    /// <summary>The rank of a field the subscription's FieldMap names: the operator's word beats every built-in name.</summary>
    public const int Explicit = 0;

    private readonly Dictionary<string, List<Claim>> _byMetric = new(StringComparer.Ordinal);

    // Metrics in the order the payload first named them, so readings and rejections come out in payload order.
    private readonly List<string> _order = [];

    /// <summary>Whether any field offered anything (a value or a refusal).</summary>
    public bool IsEmpty => _order.Count == 0;

    public void Offer(string metric, int rank, string source, double value, string? unit = null) =>
        Add(metric, new Claim(rank, source, value, unit, null));

    public void Refuse(string metric, int rank, string source, Rejection refusal) =>
        Add(metric, new Claim(rank, source, 0, null, refusal));

    /// <summary>Adds the winning reading or the refusal of every metric to <paramref name="result"/>.</summary>
    public void AddTo(DecodeResult result, SensorAddress address, DateTimeOffset? timestamp, long? seq, int record)
    {
        foreach (var metric in _order)
        {
            var claims = _byMetric[metric];
            var best = claims.Min(c => c.Rank);
            var winners = claims.FindAll(c => c.Rank == best);
            if (winners.Count > 1)
            {
                var sources = string.Join(", ", winners.Select(w => $"'{Shorten(w.Source)}'"));
                result.Rejections.Add(new Rejection(
                    RejectionCodes.DuplicateMetric,
                    $"metric '{Shorten(metric)}' is given more than once in one record ({sources})",
                    record,
                    metric));
                continue;
            }

            var winner = winners[0];
            if (winner.Refusal is { } refusal)
            {
                result.Rejections.Add(refusal);
            }
            else
            {
                result.Readings.Add(new DecodedReading(address, metric, winner.Value, timestamp, seq, record, winner.Unit));
            }
        }
    }

    public static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private void Add(string metric, Claim claim)
    {
        if (!_byMetric.TryGetValue(metric, out var claims))
        {
            claims = [];
            _byMetric[metric] = claims;
            _order.Add(metric);
        }

        claims.Add(claim);
    }

    private sealed record Claim(int Rank, string Source, double Value, string? Unit, Rejection? Refusal);
}
