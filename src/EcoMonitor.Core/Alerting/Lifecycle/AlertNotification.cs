using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Core.Alerting.Lifecycle;

/// <summary>Whether a notification announces a firing alert or its end (docs/notifications.md#the-alert-object <c>state</c>).</summary>
public enum NotificationState
{
    Firing,
    Resolved,
}

/// <summary>Why a notification was sent.</summary>
public enum NotificationReason
{
    /// <summary>An alert started firing.</summary>
    Started,

    /// <summary>A firing alert changed severity (up or down).</summary>
    SeverityChanged,

    /// <summary>A firing alert ended.</summary>
    Ended,

    /// <summary>A firing alert nobody acknowledged, sent again after the repeat interval.</summary>
    Repeat,

    /// <summary>The series started flapping: further changes are held until it settles.</summary>
    FlappingStarted,

    /// <summary>The series settled after flapping: its state now, with what happened meanwhile.</summary>
    FlappingEnded,

    /// <summary>Found in a replayed backlog (event time older than the late threshold), sent in a group.</summary>
    Backlog,

    /// <summary>The rule was removed or changed in the rules file: its alerts end with it.</summary>
    RuleChanged,
}

/// <summary>
/// What the alert engine hands to the notification module: one per change an officer must hear
/// of, never one per reading. Persisted in the outbox before any channel sees it.
/// </summary>
/// <param name="Sequence">Position in the engine's notification sequence (strictly increasing, survives restarts).</param>
/// <param name="Key">Idempotency key of this notification: the same key is the same message, however often it is delivered.</param>
/// <param name="AlertId">Stable id of the alert instance (docs/notifications.md#the-alert-object <c>id</c>): one firing episode of one (rule, series).</param>
/// <param name="Value">The value that caused the change (the last one known for repeats and settled series).</param>
/// <param name="StartsAt">Event time the alert started firing.</param>
/// <param name="EndsAt">Event time it ended; null while firing.</param>
/// <param name="Late">Found in a replayed backlog.</param>
/// <param name="Group">Notifications sent together share a group (a backlog, a settled flap): channels send a group as one message.</param>
/// <param name="HeldEpisodes">Episodes that started and ended while notifications were held (backlog or flapping), summarised by this one.</param>
/// <param name="Acknowledgement">Who acknowledged the alert, if anyone did.</param>
/// <param name="Description">The rule's description (the basis of its threshold), put in by the alert engine so that the notification module needs no rules.</param>
/// <param name="Unit">The metric's canonical unit (e.g. <c>µg/m³</c>); null for device-wide rules and unitless values.</param>
/// <param name="AqiStandard">For AQI rules, the standard whose levels and colours the message names.</param>
/// <param name="Public">The rule is published in the public feed (<c>public: true</c>, docs/feed.md).</param>
/// <param name="PublicTitleZh">The rule's public headline in Chinese (<c>public_title</c>), if it has one.</param>
/// <param name="PublicTitleEn">The same in English.</param>
public sealed record AlertNotification(
    long Sequence,
    string Key,
    string AlertId,
    NotificationState State,
    NotificationReason Reason,
    string Rule,
    AlertSeverity Severity,
    SensorKind Kind,
    string Site,
    string Device,
    string? Metric,
    double Value,
    double Threshold,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    DateTimeOffset CreatedAt,
    bool Late,
    string? Group,
    int HeldEpisodes,
    Acknowledgement? Acknowledgement,
    string? Description = null,
    string? Unit = null,
    AirQuality.AqiStandard? AqiStandard = null,
    bool Public = false,
    string? PublicTitleZh = null,
    string? PublicTitleEn = null);

/// <summary>An officer's acknowledgement of a firing alert: it stops repeats, not the alert.</summary>
public sealed record Acknowledgement(string By, DateTimeOffset At, string? Comment);
