using EcoMonitor.Core.Alerting.Evaluation;
using EcoMonitor.Core.Readings;
using EcoMonitor.Core.Storage;
using EcoMonitor.Service.Observability;

namespace EcoMonitor.Service.Alerting;

/// <summary>
/// Runs accepted readings through the evaluator and turns its transitions into points of the
/// <c>alert</c> measurement, which travel with the message to the store (and the spool), so an
/// alert transition is as durable as the readings that caused it. Until the notification module
/// exists, transitions that would notify are logged.
/// </summary>
public sealed partial class AlertPipeline(AlertEvaluator evaluator, IngestMetrics metrics, ILogger<AlertPipeline> logger)
{
    public IReadOnlyList<string> Observe(IReadOnlyList<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        List<string>? lines = null;
        foreach (var reading in readings)
        {
            foreach (var transition in evaluator.Observe(reading))
            {
                (lines ??= []).Add(Record(transition));
            }
        }

        return lines ?? (IReadOnlyList<string>)[];
    }

    /// <summary>Deadman checks: silence is only noticed by the clock.</summary>
    public IReadOnlyList<string> Tick() => [.. evaluator.Tick().Select(Record)];

    private string Record(AlertTransition transition)
    {
        metrics.AlertTransitions.WithLabels(transition.To.ToString().ToLowerInvariant()).Inc();
        if (transition.IsNotifiable)
        {
            LogTransition(logger, transition.RuleName, transition.To.ToString(), transition.Severity.ToString(), $"{transition.Site}/{transition.Kind.ToName()}/{transition.Device}", transition.Metric ?? "-", transition.Value, transition.Threshold, transition.Late);
        }

        return LineProtocol.FormatAlert(transition);
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Alert {Rule} {State} ({Severity}) at {Sensor} {Metric}: value {Value}, threshold {Threshold}, late {Late}")]
    private static partial void LogTransition(ILogger logger, string rule, string state, string severity, string sensor, string metric, double value, double threshold, bool late);
}
