using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;

namespace EcoMonitor.Alerting;

/// <summary>
/// Puts into each notification what its message must say of the rule and the metric (the rule's
/// description, the unit, the AQI standard, whether and how it is published in the public feed), so that the notification module needs no rules
/// (docs/architecture.md#projects).
/// </summary>
public sealed class NotificationDescriber(MetricCatalog catalog)
{
    public IReadOnlyList<AlertNotification> Describe(IReadOnlyList<AlertNotification> notifications, IReadOnlyList<AlertRule> rules)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        ArgumentNullException.ThrowIfNull(rules);
        return [.. notifications.Select(n => Describe(n, rules))];
    }

    public AlertNotification Describe(AlertNotification notification, IReadOnlyList<AlertRule> rules)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(rules);
        var rule = rules.FirstOrDefault(r => string.Equals(r.Name, notification.Rule, StringComparison.Ordinal));
        var unit = notification.Metric is { } metric && catalog.TryGet(notification.Kind, metric, out var definition) ? definition.Unit : null;
        return notification with
        {
            Description = rule?.Description is { Length: > 0 } description ? description : notification.Description,
            Unit = unit ?? notification.Unit,
            AqiStandard = rule?.Condition is AqiCondition aqi ? aqi.Standard : notification.AqiStandard,
            Public = rule?.Public ?? notification.Public,
            PublicTitleZh = rule?.PublicTitle?.Zh ?? notification.PublicTitleZh,
            PublicTitleEn = rule?.PublicTitle?.En ?? notification.PublicTitleEn,
        };
    }
}
