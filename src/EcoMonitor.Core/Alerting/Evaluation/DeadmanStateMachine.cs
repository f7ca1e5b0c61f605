using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// The deadman of one rule for one device: fires when nothing has been received for the rule's
/// silence, resolves on the next reading.
/// </summary>
/// <remarks>
/// Runs on receive time, not event time. Silence is an absence: no reading means no new event
/// time, so only the service's clock advances while a device is quiet. Receive time also keeps
/// two cases right that event time gets wrong: a node replaying an old buffer is talking again
/// (its old timestamps must not keep the alert firing), and a node with a skewed clock is not
/// silent for it. Any reading counts, even one ignored as out of order by the threshold rules.
/// </remarks>
public sealed class DeadmanStateMachine
{
    private readonly DeadmanCondition _condition;

    public DeadmanStateMachine(AlertRule rule, SensorKind kind, string site, string device, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Rule = rule;
        _condition = rule.Condition as DeadmanCondition
            ?? throw new ArgumentException($"rule '{rule.Name}' is not a deadman rule", nameof(rule));
        Kind = kind;
        Site = site;
        Device = device;
        LastReceivedAt = receivedAt;
    }

    public AlertRule Rule { get; }

    public SensorKind Kind { get; }

    public string Site { get; }

    public string Device { get; }

    public DateTimeOffset LastReceivedAt { get; private set; }

    public bool IsFiring { get; private set; }

    /// <summary>A reading of the device was received at <paramref name="receivedAt"/>.</summary>
    public void Observe(DateTimeOffset receivedAt, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions)
    {
        if (IsFiring)
        {
            IsFiring = false;
            Add(ref transitions, AlertState.Firing, AlertState.Resolved, receivedAt - LastReceivedAt, receivedAt, lateBefore);
        }

        if (receivedAt > LastReceivedAt)
        {
            LastReceivedAt = receivedAt;
        }
    }

    /// <summary>Agrees with the alert book after a crash (see <see cref="ISeriesStateMachine.Align"/>).</summary>
    internal void Align(bool firing) => IsFiring = firing;

    /// <summary>The persisted state: last receipt (Unix ms) and whether firing.</summary>
    internal (long LastReceivedMs, bool Firing) Save() => (LastReceivedAt.ToUnixTimeMilliseconds(), IsFiring);

    /// <summary>
    /// Back from a snapshot taken at <paramref name="savedAt"/>, restored at <paramref name="now"/>.
    /// The service being down is no evidence that the device was silent (the broker kept its
    /// messages, which are on their way): the downtime is not counted as silence.
    /// </summary>
    internal void Restore(long lastReceivedMs, bool firing, DateTimeOffset savedAt, DateTimeOffset now)
    {
        var downtime = now > savedAt ? now - savedAt : TimeSpan.Zero;
        LastReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(lastReceivedMs) + (firing ? TimeSpan.Zero : downtime);
        IsFiring = firing;
    }

    /// <summary>Fires once the silence reaches the rule's duration at <paramref name="now"/>.</summary>
    public void Tick(DateTimeOffset now, DateTimeOffset lateBefore, ref List<AlertTransition>? transitions)
    {
        var silence = now - LastReceivedAt;
        if (IsFiring || silence < _condition.Silence)
        {
            return;
        }

        IsFiring = true;

        // Stamped when the silence reached the duration, not when a tick noticed it, so the time does
        // not depend on the tick period; a tick long overdue (a stalled or restarted service) is late.
        Add(ref transitions, AlertState.Inactive, AlertState.Firing, silence, LastReceivedAt + _condition.Silence, lateBefore);
    }

    private void Add(
        ref List<AlertTransition>? transitions,
        AlertState from,
        AlertState to,
        TimeSpan silence,
        DateTimeOffset at,
        DateTimeOffset lateBefore) =>
        (transitions ??= []).Add(new AlertTransition(
            Rule.Name,
            Rule.Severity,
            Kind,
            Site,
            Device,
            Rule.Metric,
            from,
            to,
            silence.TotalSeconds,
            _condition.Silence.TotalSeconds,
            at,
            at < lateBefore));
}
