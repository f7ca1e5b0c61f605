using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Audit;
using EcoMonitor.Notifications.Routing;

namespace EcoMonitor.Notifications;

/// <summary>The notification module's audit records (docs/audit.md#records): deliveries and silences. Never a secret or a rendered body.</summary>
internal static class NotificationAuditRecords
{
    /// <summary>What a channel did with a notification.</summary>
    public static class Outcomes
    {
        public const string Handed = "handed";
        public const string Sent = "sent";
        public const string Failed = "failed";
        public const string GivenUp = "given-up";
        public const string Expired = "expired";
        public const string Silenced = "silenced";
    }

    /// <summary>
    /// <c>{id, channel, state, outcome, attempt?, error?}</c>: <c>id</c> is the alert id (the
    /// idempotency key), <c>state</c> firing or resolved, <c>attempt</c> the failed attempts so far,
    /// <c>error</c> the exception's type only (a message may quote a URL with its token).
    /// </summary>
    public static AuditRecord Delivery(AlertNotification n, string channel, string outcome, DateTimeOffset at, int? attempt = null, Exception? error = null)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = n.AlertId,
            ["channel"] = channel,
            ["state"] = n.State == NotificationState.Firing ? "firing" : "resolved",
            ["outcome"] = outcome,
        };
        if (attempt is { } a)
        {
            fields["attempt"] = (long)a;
        }

        if (error is not null)
        {
            fields["error"] = error.GetType().Name;
        }

        return new AuditRecord(AuditRecordTypes.Notification, at, fields);
    }

    /// <summary><c>{id, change, matchers, by, until}</c>: a silence created or expired; matchers without the unset ones.</summary>
    public static AuditRecord Silence(Silence silence, string change, string by, DateTimeOffset at)
    {
        var m = silence.Match;
        var matchers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in new[] { ("severity", m.Severity), ("kind", m.Kind), ("site", m.Site), ("device", m.Device), ("rule", m.Rule), ("metric", m.Metric) })
        {
            if (value is not null)
            {
                matchers[key] = value;
            }
        }

        return new AuditRecord(AuditRecordTypes.Silence, at, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = silence.Id,
            ["change"] = change,
            ["matchers"] = matchers,
            ["by"] = by,
            ["until"] = silence.EndsAt,
        });
    }
}
