using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// A GB 15618 soil pollutant (<see cref="SoilPhBandCondition"/>) for one series: each reading is
/// compared with the limit of the pH band of the site's latest soil pH (<see cref="SoilPhBook"/>)
/// at the time it is evaluated, through a <see cref="ThresholdStateMachine"/> of one <c>above</c>
/// level, so <c>for</c>, pending and resolution behave as for any threshold; a transition's
/// threshold is the band's limit.
/// </summary>
/// <remarks>
/// A new pH changes the limit for the pollutant's next reading; on its own it emits nothing: a
/// transition is about a reading of the pollutant, and a probe hovering at a band edge must not
/// make an old lab result fire and resolve. The evaluator does not route a reading here before its
/// site has a pH (it cannot be classified; it is counted instead). Out-of-order pollutant readings
/// are ignored, as for thresholds.
/// </remarks>
public sealed class SoilPhBandStateMachine : ISeriesStateMachine
{
    private readonly ThresholdStateMachine _threshold;
    private readonly SoilPhBook _book;

    // One single-level set per pH band, built once.
    private readonly ThresholdLevel[][] _bands;

    internal SoilPhBandStateMachine(AlertRule rule, SensorKind kind, string site, string device, string metric, SoilPhBook book)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(book);
        var condition = rule.Condition as SoilPhBandCondition
            ?? throw new ArgumentException($"rule '{rule.Name}' is not a soil pH band rule", nameof(rule));
        if (condition.Limits.Count != 4)
        {
            throw new ArgumentException($"rule '{rule.Name}' needs four limits, one per pH band", nameof(rule));
        }

        _bands = [.. condition.Limits.Select(limit => new[] { new ThresholdLevel(rule.Severity, ThresholdDirection.Above, limit) })];
        _threshold = new ThresholdStateMachine(rule, _bands[0], kind, site, device, metric);
        _book = book;
    }

    public AlertRule Rule => _threshold.Rule;

    public SensorKind Kind => _threshold.Kind;

    public string Site => _threshold.Site;

    public string Device => _threshold.Device;

    public string Metric => _threshold.Metric;

    public AlertState State => _threshold.State;

    public DateTimeOffset LastReceivedAt { get; set; }

    /// <summary>The pH band (0–3) of the last reading evaluated; −1 before any.</summary>
    public int LastBand { get; private set; } = -1;

    /// <summary>Evaluates a reading at soil pH <paramref name="ph"/>.</summary>
    public bool Observe(double value, long timestampMs, double ph, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions)
    {
        var band = AlertProfiles.SoilPhBand(ph);
        if (!_threshold.Observe(value, _bands[band], timestampMs, lateBefore, ref transitions))
        {
            return false;
        }

        LastBand = band;
        return true;
    }

    // The site pH is the evaluator's (SoilPhBook), not part of this state.
    void ISeriesStateMachine.Align(AlertSeverity? firing) => _threshold.Align(firing);

    void ISeriesStateMachine.Save(SeriesStateWriter writer)
    {
        writer.Write(LastBand);
        _threshold.Save(writer);
    }

    void ISeriesStateMachine.Restore(SeriesStateReader reader)
    {
        LastBand = reader.ReadInt();
        if (LastBand is < -1 or > 3)
        {
            throw new InvalidDataException("alert state names a pH band that does not exist");
        }

        _threshold.Restore(reader);
    }

    bool ISeriesStateMachine.Observe(Reading reading, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions)
    {
        // Unclassifiable without a pH: the evaluator counts such readings before routing them here.
        return !_book.TryGet(Site, out var ph) || Observe(reading.Value, reading.TimestampMs, ph, lateBefore, ref transitions);
    }
}
