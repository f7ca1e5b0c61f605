using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Service.Auth;

namespace EcoMonitor.Service.Http;

/// <summary>
/// <c>/api/silences</c> (docs/http.md#silences): list (active, pending, expired), one silence,
/// create and expire. Writes need a logged-in officer or the API token, checked before the body is read (docs/auth.md#writes); the configured
/// silences (<c>Notifications:Silences</c>) are listed too and can only be changed in the configuration.
/// </summary>
public static class SilenceEndpoints
{
    public const int MaxAuthorLength = 100;
    public const int MaxCommentLength = 1000;

    private const string CreateShape = """{"matchers": {"site": "glob", …}, "startsAt": "optional, RFC 3339", "endsAt": "RFC 3339", "comment": "why (required)", "author": "who (with the API token; a login records the officer)"}""";
    private const string ExpireShape = """{"by": "who (with the API token; a login records the officer)"}""";

    public static WebApplication MapSilenceEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api/silences");

        // ?state=active | pending | expired | all (default).
        api.MapGet("/", (string? state, ISilences silences) =>
        {
            if (state is not (null or "" or "all" or "active" or "pending" or "expired"))
            {
                return Results.Problem($"state must be active, pending, expired or all, not '{state}'", statusCode: StatusCodes.Status400BadRequest);
            }

            var now = silences.Now;
            var list = silences.List().Where(s => state is null or "" or "all" || s.StateAt(now) == state);
            return Results.Json(list.Select(s => SilenceView.Of(s, now)), NotificationJson.Options);
        });

        api.MapGet("/{id}", (string id, ISilences silences) =>
            silences.Find(id) is { } silence
                ? Results.Json(SilenceView.Of(silence, silences.Now), NotificationJson.Options)
                : Results.Problem($"no silence {id}", statusCode: StatusCodes.Status404NotFound));

        // A logged-in officer or the API token (docs/auth.md#writes); checked before the body is read.
        api.MapPost("/", async (HttpContext http, ISilences silences, CancellationToken ct) =>
        {
            var (request, problem) = await ApiAuthorization.ReadJsonAsync<CreateSilenceRequest>(http.Request, CreateShape, ct);
            if (problem is not null)
            {
                return problem;
            }

            var (author, refused) = ApiAuthorization.AuthorOf(http, request!.Author, "author", MaxAuthorLength);
            if (refused is not null)
            {
                return refused;
            }

            var problems = new List<string>();

            if (string.IsNullOrWhiteSpace(request.Comment) || request.Comment.Length > MaxCommentLength)
            {
                problems.Add($"comment: 1–{MaxCommentLength} characters (why the alerts are silenced)");
            }

            if (request.EndsAt is not { } endsAt)
            {
                problems.Add("endsAt is required");
            }
            else
            {
                problems.AddRange(silences.ProblemsOf(request.Matchers ?? new SilenceMatch(), request.StartsAt, endsAt));
            }

            if (problems.Count > 0)
            {
                return Results.Problem(string.Join("; ", problems) + $". Body: {CreateShape}", statusCode: StatusCodes.Status400BadRequest);
            }

            var (silence, refusal) = await silences.CreateAsync(request.Matchers!, request.StartsAt, request.EndsAt!.Value, request.Comment!.Trim(), author!, ct);
            return refusal == SilenceRefusal.Full
                ? Results.Problem($"{ISilences.MaxSilences} silences are in force or pending; expire some first", statusCode: StatusCodes.Status409Conflict)
                : Results.Json(SilenceView.Of(silence!, silences.Now), NotificationJson.Options, statusCode: StatusCodes.Status201Created);
        }).RequireAuthorization(AuthPolicies.Act);

        api.MapPost("/{id}/expire", async (string id, HttpContext http, ISilences silences, CancellationToken ct) =>
        {
            var officer = AuthUser.OfficerName(http) is not null;
            var (request, problem) = await ApiAuthorization.ReadJsonAsync(http.Request, ExpireShape, ct, officer ? new ExpireSilenceRequest(null) : null);
            if (problem is not null)
            {
                return problem;
            }

            var (by, refused) = ApiAuthorization.AuthorOf(http, request!.By, "by", MaxAuthorLength);
            if (refused is not null)
            {
                return refused;
            }

            var (silence, refusal) = await silences.ExpireAsync(id, by!, ct);
            return refusal switch
            {
                SilenceRefusal.None => Results.Json(SilenceView.Of(silence!, silences.Now), NotificationJson.Options),
                SilenceRefusal.Configured => Results.Problem($"silence {id} is configured (Notifications:Silences); change it there", statusCode: StatusCodes.Status409Conflict),
                SilenceRefusal.AlreadyExpired => Results.Problem($"silence {id} has already expired", statusCode: StatusCodes.Status409Conflict),
                _ => Results.Problem($"no silence {id}", statusCode: StatusCodes.Status404NotFound),
            };
        }).RequireAuthorization(AuthPolicies.Act);

        return app;
    }
}

public sealed record CreateSilenceRequest(SilenceMatch? Matchers, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? Comment, string? Author);

public sealed record ExpireSilenceRequest(string? By);

/// <summary>A silence as the API shows it, with its state now.</summary>
public sealed record SilenceView(string Id, string State, SilenceMatch Matchers, DateTimeOffset? StartsAt, DateTimeOffset EndsAt, string? Comment, string? Author, DateTimeOffset? CreatedAt, bool Configured)
{
    public static SilenceView Of(Silence s, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.Id, s.StateAt(now), s.Match, s.StartsAt == DateTimeOffset.MinValue ? null : s.StartsAt, s.EndsAt, s.Comment, s.Author, s.CreatedAt, s.Configured);
    }
}
