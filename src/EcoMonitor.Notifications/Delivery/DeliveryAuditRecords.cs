using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Audit;

namespace EcoMonitor.Notifications.Delivery;

/// <summary>The <c>notification</c> records of deliveries (docs/audit.md#records). Never a secret or a rendered body.</summary>
internal static class DeliveryAuditRecords
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
}
