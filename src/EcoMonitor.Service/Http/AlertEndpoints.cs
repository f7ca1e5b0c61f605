using EcoMonitor.Alerting;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using EcoMonitor.Service.Auth;

namespace EcoMonitor.Service.Http;

/// <summary>
/// <c>/api/alerts</c> (docs/http.md#alerts): the alerts firing and recently resolved, one alert, and the
/// acknowledgement of a firing alert (a logged-in officer or the API token, docs/auth.md#writes).
/// </summary>
public static class AlertEndpoints
{
    public const int MaxByLength = 100;
    public const int MaxCommentLength = 1000;

    private const string AckShape = """{"by": "who (with the API token; a login records the officer)", "comment": "optional"}""";

    public static WebApplication MapAlertEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api/alerts");

        // ?state=firing | resolved | all (default): firing first (oldest first), then resolved (newest first).
        api.MapGet("/", (string? state, AlertPipeline alerts) =>
        {
            var book = alerts.Book;
            IEnumerable<AlertInstance> list = state switch
            {
                "firing" => book.Firing(),
                "resolved" => book.RecentlyResolved(),
                null or "" or "all" => book.Firing().Concat(book.RecentlyResolved()),
                _ => null!,
            };
            return list is null
                ? Results.Problem($"state must be firing, resolved or all, not '{state}'", statusCode: StatusCodes.Status400BadRequest)
                : Results.Json(list.Select(AlertView.Of), NotificationJson.Options);
        });

        api.MapGet("/{id}", (string id, AlertPipeline alerts) =>
            alerts.Book.Find(id) is { } alert
                ? Results.Json(AlertView.Of(alert), NotificationJson.Options)
                : Results.Problem($"no alert {id} (firing or recently resolved)", statusCode: StatusCodes.Status404NotFound));

        // A logged-in officer or the API token (docs/auth.md#writes); checked before the body is read.
        api.MapPost("/{id}/ack", async (string id, HttpContext http, AlertPipeline alerts, CancellationToken ct) =>
        {
            var officer = AuthUser.OfficerName(http) is not null;
            var (request, problem) = await ApiAuthorization.ReadJsonAsync(http.Request, AckShape, ct, officer ? new AcknowledgeRequest(null, null) : null);
            if (problem is not null)
            {
                return problem;
            }

            var (by, refused) = ApiAuthorization.AuthorOf(http, request!.By, "by", MaxByLength);
            if (refused is not null)
            {
                return refused;
            }

            if (request.Comment is { Length: > MaxCommentLength })
            {
                return Results.Problem($"comment: up to {MaxCommentLength} characters. Body: {AckShape}", statusCode: StatusCodes.Status400BadRequest);
            }

            // The ack record is durable in the audit trail before the answer says it succeeded.
            var (outcome, alert) = await alerts.AcknowledgeAsync(id, by!, request.Comment, ct);
            return outcome switch
            {
                AcknowledgeOutcome.Acknowledged => Results.Json(AlertView.Of(alert!), NotificationJson.Options),
                AcknowledgeOutcome.NotFiring => Results.Problem($"alert {id} is resolved; only a firing alert can be acknowledged", statusCode: StatusCodes.Status409Conflict),
                _ => Results.Problem($"no alert {id} is firing", statusCode: StatusCodes.Status404NotFound),
            };
        }).RequireAuthorization(AuthPolicies.Act);

        return app;
    }
}

public sealed record AcknowledgeRequest(string? By, string? Comment);

/// <summary>An alert as the API shows it (field names as in docs/notifications.md#the-alert-object).</summary>
public sealed record AlertView(
    string Id,
    string Rule,
    string State,
    string Severity,
    string Kind,
    string Site,
    string Device,
    string? Metric,
    double Value,
    double Threshold,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    bool Late,
    Acknowledgement? Acknowledgement)
{
    public static AlertView Of(AlertInstance a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new(
            a.Id,
            a.Rule,
            a.State == NotificationState.Firing ? "firing" : "resolved",
            a.Severity.ToString().ToLowerInvariant(),
            a.Kind.ToName(),
            a.Site,
            a.Device,
            a.Metric,
            a.Value,
            a.Threshold,
            a.StartsAt,
            a.EndsAt,
            a.Late,
            a.Acknowledgement);
    }
}
