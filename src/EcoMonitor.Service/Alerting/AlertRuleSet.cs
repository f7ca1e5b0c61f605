using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Alerting;

/// <summary>
/// The alert rules the service runs, read once at start from <c>Alerts:RulesFile</c> with
/// standard profiles expanded. A file with errors stops the start with every problem listed
/// (the same ones <c>check-config</c> prints); no file at the default place means no rules.
/// </summary>
public sealed partial class AlertRuleSet
{
    public AlertRuleSet(IOptions<AlertOptions> options, MetricCatalog catalog, ILogger<AlertRuleSet> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (path, named) = options.Value.ResolveRulesFile();
        if (!File.Exists(path))
        {
            if (named)
            {
                throw new InvalidOperationException($"Alerts:RulesFile '{path}' does not exist.");
            }

            LogNoRules(logger, path);
            Rules = [];
            return;
        }

        var file = new RulesFileParser(catalog).Parse(File.ReadAllText(path));
        if (file.HasErrors)
        {
            throw new InvalidOperationException(
                $"The alert rules file {path} has errors:{Environment.NewLine}" +
                string.Join(Environment.NewLine, file.Problems.Select(p => $"{path}:{p}")));
        }

        foreach (var warning in file.Problems)
        {
            LogRuleWarning(logger, path, warning.ToString());
        }

        var rules = new List<AlertRule>();
        foreach (var rule in file.Rules)
        {
            if (AlertProfiles.TryExpand(rule, out var expanded))
            {
                rules.AddRange(expanded);
            }
            else
            {
                rules.Add(rule);
            }
        }

        Rules = rules;
        LogLoaded(logger, rules.Count, path);
    }

    public IReadOnlyList<AlertRule> Rules { get; }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "No alert rules: {Path} not found")]
    private static partial void LogNoRules(ILogger logger, string path);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "{Path}:{Warning}")]
    private static partial void LogRuleWarning(ILogger logger, string path, string warning);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Loaded {Count} alert rule(s) from {Path}")]
    private static partial void LogLoaded(ILogger logger, int count, string path);
}
