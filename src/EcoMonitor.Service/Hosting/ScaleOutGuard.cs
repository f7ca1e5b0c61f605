using EcoMonitor.Alerting;
using EcoMonitor.Ingest.Mqtt;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Hosting;

/// <summary>
/// Refuses to start an instance whose alert state a shared group would split (docs/scaling.md#alert-state):
/// every rule keeps state per series (firing or not, windows, <c>for</c>, deadman), and a broker
/// that hands a group's messages round robin gives one device's readings to several instances,
/// each with half a window and alerts that never resolve.
/// </summary>
internal sealed class ScaleOutGuard(IOptions<MqttOptions> mqtt, AlertRuleSet rules) : IHostedService
{
    /// <summary>Why <paramref name="mqtt"/> with <paramref name="ruleCount"/> rules cannot run, or null.</summary>
    public static string? Problem(MqttOptions mqtt, int ruleCount)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        if (string.IsNullOrEmpty(mqtt.SharedGroup) || mqtt.SharedGroupSticky || ruleCount == 0)
        {
            return null;
        }

        return $"Mqtt:SharedGroup '{mqtt.SharedGroup}' with {ruleCount} alert rule(s): a shared group hands a device's readings to the instances in turn, "
            + "which splits every rule's state (windows, for, deadman, firing alerts). Give each instance its own sites with Mqtt:Subscriptions instead, "
            + "or, on a broker whose shared subscriptions dispatch by topic (EMQX shared_subscription_strategy = hash_topic), set Mqtt:SharedGroupSticky=true "
            + "(docs/scaling.md#alert-state). An instance without rules may share a group.";
    }

    public Task StartAsync(CancellationToken cancellationToken) =>
        Problem(mqtt.Value, rules.Rules.Count) is { } problem ? throw new InvalidOperationException(problem) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
