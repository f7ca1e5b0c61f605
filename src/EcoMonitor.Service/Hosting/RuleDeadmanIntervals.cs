using System.Collections.Concurrent;
using EcoMonitor.Alerting;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using EcoMonitor.Sensors;

namespace EcoMonitor.Service.Hosting;

/// <summary>
/// The sensor directory's stale interval from the alert rules in force: the shortest silence of the
/// deadman rules that watch the whole device (no <c>metric</c>) and match its kind, site and
/// device (docs/sensors.md#status). Follows a reloaded rules file.
/// </summary>
internal sealed class RuleDeadmanIntervals(AlertRuleSet rules) : IDeadmanIntervals
{
    // Asked for every device at every tick: the answers are kept until the rules change.
    private const int MaxCached = 100_000;
    private readonly ConcurrentDictionary<SensorAddress, DeadmanInterval?> _cache = new();
    private IReadOnlyList<AlertRule>? _cachedFor;

    /// <summary>The rules in force: a reload replaces the list, and so the answers.</summary>
    public object Generation => rules.Rules;

    public DeadmanInterval? For(SensorAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var current = rules.Rules;
        if (!ReferenceEquals(current, Volatile.Read(ref _cachedFor)) || _cache.Count > MaxCached)
        {
            _cache.Clear();
            Volatile.Write(ref _cachedFor, current);
        }

        return _cache.GetOrAdd(address, a => Find(current, a));
    }

    private static DeadmanInterval? Find(IReadOnlyList<AlertRule> rules, SensorAddress address)
    {
        DeadmanInterval? shortest = null;
        foreach (var rule in rules)
        {
            if (rule is { Condition: DeadmanCondition deadman, Metric: null }
                && (rule.Kind is null || rule.Kind == address.Kind)
                && rule.Site.IsMatch(address.Site)
                && rule.Device.IsMatch(address.Device)
                && (shortest is null || deadman.Silence < shortest.Silence))
            {
                shortest = new DeadmanInterval(deadman.Silence, rule.Name);
            }
        }

        return shortest;
    }
}
