using EcoMonitor.Core.Readings;

namespace EcoMonitor.Sensors;

/// <summary>
/// The deadman silence of a device, when the alert rules have one for it: a device is <c>stale</c>
/// when its deadman alert would fire (docs/sensors.md#status). The host composes it from the rules
/// in force; without it, <see cref="SensorOptions.StaleAfter"/> applies to every device.
/// </summary>
public interface IDeadmanIntervals
{
    /// <summary>The shortest silence of the deadman rules matching the whole device, or null.</summary>
    DeadmanInterval? For(SensorAddress address);

    /// <summary>
    /// The same object for as long as <see cref="For"/> gives the same answers (the rules in
    /// force): a caller may keep an answer while this stays the same. The default, a new object on
    /// every call, keeps nothing.
    /// </summary>
    object Generation => new();
}

/// <param name="Rule">The rule's name, for the status reason.</param>
public sealed record DeadmanInterval(TimeSpan Silence, string Rule);

/// <summary>No rules: <see cref="SensorOptions.StaleAfter"/> for all.</summary>
internal sealed class NoDeadmanIntervals : IDeadmanIntervals
{
    private static readonly object Always = new();

    public DeadmanInterval? For(SensorAddress address) => null;

    public object Generation => Always;
}
