using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace EcoMonitor.Core.Tests.Alerting.Evaluation;

/// <summary>
/// An evaluator over rules written as in the rules file, on a fake clock. Readings are stamped
/// relative to <see cref="Start"/>; the clock moves only when a test says so.
/// </summary>
internal sealed class EvaluationHarness
{
    public static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);

    public EvaluationHarness(string yaml, AlertEvaluatorOptions? options = null)
    {
        var file = new RulesFileParser(MetricCatalog.Default).Parse(yaml);
        Assert.Empty(file.Problems);
        Evaluator = new AlertEvaluator(file.Rules, Time, options);
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public AlertEvaluator Evaluator { get; }

    public static Reading Air(string metric, double value, TimeSpan at, string site = "beijing-1", string device = "node-01") =>
        new(SensorKind.Air, site, device, metric, value, (Start + at).ToUnixTimeMilliseconds());

    public static Reading Water(string metric, double value, TimeSpan at, string site = "river-1", string device = "probe-01") =>
        new(SensorKind.Water, site, device, metric, value, (Start + at).ToUnixTimeMilliseconds());

    public static Reading Soil(string metric, double value, TimeSpan at, string site = "field-1", string device = "lab") =>
        new(SensorKind.Soil, site, device, metric, value, (Start + at).ToUnixTimeMilliseconds());

    public static TimeSpan Hours(double hours) => TimeSpan.FromHours(hours);

    /// <summary>A reading received live: the clock is moved to its timestamp first.</summary>
    public IReadOnlyList<AlertTransition> Live(Reading reading)
    {
        var at = reading.Timestamp;
        if (at > Time.GetUtcNow())
        {
            Time.SetUtcNow(at);
        }

        return Evaluator.Observe(reading);
    }

    /// <summary>Live readings of one series, one a minute from <paramref name="from"/>; all transitions.</summary>
    public List<AlertTransition> LiveSeries(string metric, TimeSpan from, params double[] values)
    {
        var all = new List<AlertTransition>();
        for (var i = 0; i < values.Length; i++)
        {
            all.AddRange(Live(Air(metric, values[i], from + TimeSpan.FromMinutes(i))));
        }

        return all;
    }

    public static TimeSpan Minutes(double minutes) => TimeSpan.FromMinutes(minutes);
}
