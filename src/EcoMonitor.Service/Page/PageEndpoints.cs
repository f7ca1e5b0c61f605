using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications.Routing;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Page;

/// <summary>
/// The officers' page (docs/page.md): the views <c>/</c>, <c>/silences</c>, <c>/silences/new</c>,
/// <c>/sensors</c> and <c>/alerts/{id}</c>, their fragments for htmx, the live stream, the
/// stylesheet of the configured palette, the static files, and the forms of the officers' actions.
/// Reading needs the <c>view</c> policy, acting the <c>act</c> policy; an action records the
/// logged-in officer's name, never a name typed into the form.
/// </summary>
public static partial class PageEndpoints
{
    /// <summary>A form of the page is small; anything larger is refused before it is read.</summary>
    public const long MaxFormBytes = 16 * 1024;

    public const int MaxCommentLength = 1000;

    private static readonly string[] FragmentNames = ["summary", "alerts", "silences", "sensors"];

    public static WebApplication MapPageEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // From the build output, not the content root: the service runs from anywhere (docs/page.md#static-files).
        var webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (Directory.Exists(webRoot))
        {
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(webRoot),
                OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache",
            });
        }

        app.MapGet(PageRoutes.Palette, (IOptions<UiOptions> options) =>
            Results.Text(Chips.PaletteCss(options.Value.EffectiveWaterPalette()), "text/css; charset=utf-8")).AllowAnonymous();

        var view = app.MapGroup("").RequireAuthorization(Auth.AuthPolicies.View);
        view.MapGet(PageRoutes.Alerts, (HttpContext http, PageServices s) => Render(http, s, PageRoutes.Alerts, typeof(AlertsView), "nav.alerts"));
        view.MapGet(PageRoutes.Silences, (HttpContext http, PageServices s) => Render(http, s, PageRoutes.Silences, typeof(SilencesView), "nav.silences"));
        view.MapGet(PageRoutes.Sensors, (HttpContext http, PageServices s) => Render(http, s, PageRoutes.Sensors, typeof(SensorsView), "nav.sensors"));
        view.MapGet(PageRoutes.NewSilence, (HttpContext http, PageServices s) => NewSilence(http, s));
        view.MapGet("/alerts/{id}", (string id, HttpContext http, PageServices s) => Details(http, s, id));
        view.MapGet(PageRoutes.Fragments + "/{name}", (string name, HttpContext http, PageServices s) => Fragment(http, s, name));
        view.MapGet(PageRoutes.Events, (HttpContext http, PageLiveStream live) => live.RunAsync(http));

        var act = app.MapGroup("/ui").RequireAuthorization(Auth.AuthPolicies.Act);
        act.MapPost("/alerts/{id}/ack", (string id, HttpContext http, PageServices s) => AcknowledgeAsync(http, s, id));
        act.MapPost("/silences", (HttpContext http, PageServices s) => CreateSilenceAsync(http, s));
        act.MapPost("/silences/{id}/expire", (string id, HttpContext http, PageServices s) => ExpireAsync(http, s, id));
        act.MapPost("/silences/{id}/extend", (string id, HttpContext http, PageServices s) => ExtendAsync(http, s, id));
        return app;
    }

    /// <summary>Everything a page request needs, resolved once.</summary>
    public sealed class PageServices(PageData data, IOptions<UiOptions> options, IConfiguration configuration, IAntiforgery antiforgery, PageMetrics metrics, TimeProvider time, ILogger<PageServices> logger)
    {
        public PageData Data { get; } = data;

        public UiOptions Options => options.Value;

        /// <summary>The channels of <c>Notifications:Channels</c> (name, type); without any, the module's default log channel.</summary>
        public IReadOnlyList<(string Name, string Type)> Channels()
        {
            var list = configuration.GetSection("Notifications:Channels").GetChildren()
                .Select(c => (Name: c["Name"] ?? "", Type: c["Type"] ?? ""))
                .Where(c => c.Name.Length > 0)
                .ToList();
            return list.Count > 0 ? list : [("log", "log")];
        }

        public IAntiforgery Antiforgery { get; } = antiforgery;

        public PageMetrics Metrics { get; } = metrics;

        public TimeProvider Time { get; } = time;

        public ILogger Logger { get; } = logger;
    }

    internal static PageRequest Context(HttpContext http, PageServices s, string path, string? error = null)
    {
        var text = PageLanguage.Resolve(http);
        var tokens = s.Antiforgery.GetAndStoreTokens(http);
        var identity = http.User.Identity;
        var name = identity?.IsAuthenticated == true && !string.IsNullOrEmpty(identity.Name) ? identity.Name : null;
        var snapshot = s.Data.Take();
        http.Response.Headers.CacheControl = "no-store";
        var done = http.Request.Query["done"].ToString();
        return new PageRequest
        {
            T = text,
            Clock = new StationClock(StationClock.ZoneOf(s.Options), snapshot.Now),
            Snapshot = snapshot,
            Options = s.Options,
            User = new PageUser(name, name is not null && http.User.IsInRole(Auth.AuthPolicies.OfficerRole)),
            Antiforgery = new AntiforgeryField(tokens.FormFieldName, tokens.RequestToken ?? ""),
            Filters = PageFilters.Of(http.Request.Query),
            Path = path,
            Done = done is "ack" or "silence" or "expire" or "extend" ? "done." + done : null,
            Error = error,
            LiveUrl = s.Options.MaxLiveClients > 0 ? PageRoutes.Events : null,
        };
    }

    private static RazorComponentResult Render(HttpContext http, PageServices s, string path, Type view, string titleKey, IDictionary<string, object>? extra = null, int status = StatusCodes.Status200OK, string? error = null)
    {
        var ctx = Context(http, s, path, error);
        return new RazorComponentResult<PageShell>(new Dictionary<string, object?>
        {
            ["Ctx"] = ctx,
            ["View"] = view,
            ["Title"] = ctx.T[titleKey],
            ["Extra"] = extra,
        })
        { StatusCode = status };
    }

    private static RazorComponentResult Details(HttpContext http, PageServices s, string id)
    {
        var row = s.Data.Find(id);
        var extra = new Dictionary<string, object>
        {
            ["Row"] = row!,
            ["Notifications"] = row is null ? [] : s.Data.NotificationsOf(id),
            ["Channels"] = s.Channels(),
        };
        if (row is not null && s.Data.Sensors?.Find(row.Alert.Site, row.Alert.Device) is { } sensor)
        {
            extra["Sensor"] = sensor;
        }

        return Render(http, s, PageRoutes.Alert(id), typeof(AlertDetailsView), "details.title", extra, row is null ? StatusCodes.Status404NotFound : StatusCodes.Status200OK);
    }

    private static RazorComponentResult NewSilence(HttpContext http, PageServices s)
    {
        var q = http.Request.Query;
        SilenceMatch match;
        if (q["alert"].ToString() is { Length: > 0 } alertId && s.Data.Book.Find(alertId) is { } alert)
        {
            // Prefilled from the alert: this rule on this series.
            match = new SilenceMatch(null, alert.Kind.ToName(), alert.Site, alert.Device, alert.Rule, alert.Metric);
        }
        else
        {
            match = MatchOf(name => q[name].ToString());
        }

        var preset = q["for"].ToString();
        return Render(http, s, PageRoutes.NewSilence, typeof(SilenceNewView), "silence.new", new Dictionary<string, object>
        {
            ["Match"] = match,
            ["Preview"] = s.Data.Preview(match),
            ["For"] = SilencesView.Presets.Contains(preset) ? preset : SilencesView.Presets[0],
            ["Comment"] = Bounded(q["comment"].ToString(), MaxCommentLength) ?? "",
        });
    }

    private static IResult Fragment(HttpContext http, PageServices s, string name)
    {
        if (!FragmentNames.Contains(name, StringComparer.Ordinal))
        {
            return Results.Problem($"no fragment '{name}'; there are {string.Join(", ", FragmentNames)}", statusCode: StatusCodes.Status404NotFound);
        }

        var path = http.Request.Query["path"].ToString() is var p && p is PageRoutes.Alerts or PageRoutes.Silences or PageRoutes.Sensors ? p : PageRoutes.Alerts;
        var ctx = Context(http, s, path);
        var parameters = new Dictionary<string, object?> { ["Ctx"] = ctx };
        return name switch
        {
            "summary" => new RazorComponentResult<SummaryStrip>(parameters),
            "alerts" => new RazorComponentResult<AlertsView>(parameters),
            "silences" => new RazorComponentResult<SilencesView>(parameters),
            _ => new RazorComponentResult<SensorsView>(parameters),
        };
    }

    private static async Task<IResult> AcknowledgeAsync(HttpContext http, PageServices s, string id)
    {
        var (form, refused) = await ReadFormAsync(http, s, "ack");
        if (refused is not null)
        {
            return refused;
        }

        var comment = Bounded(form!["comment"].ToString().Trim(), MaxCommentLength);
        var outcome = await s.Data.AcknowledgeAsync(id, Officer(http)!, string.IsNullOrEmpty(comment) ? null : comment, http.RequestAborted);
        return outcome switch
        {
            AcknowledgeOutcome.Acknowledged => Done(http, s, form, "ack"),
            AcknowledgeOutcome.NotFiring => Refuse(http, s, form, "ack", "not-firing", StatusCodes.Status409Conflict, $"alert {id} is resolved; only a firing alert can be acknowledged"),
            _ => Refuse(http, s, form, "ack", "not-found", StatusCodes.Status404NotFound, $"no alert {id} is firing"),
        };
    }

    private static async Task<IResult> CreateSilenceAsync(HttpContext http, PageServices s)
    {
        var (form, refused) = await ReadFormAsync(http, s, "silence");
        if (refused is not null)
        {
            return refused;
        }

        var match = MatchOf(name => form![name].ToString());
        var comment = form!["comment"].ToString().Trim();
        var problems = new List<string>();
        if (comment.Length is 0 or > MaxCommentLength)
        {
            problems.Add($"comment: 1–{MaxCommentLength} characters (why the alerts are silenced)");
        }

        if (Preset(form["for"].ToString()) is not { } length)
        {
            problems.Add("for: one of " + string.Join(", ", SilencesView.Presets));
            length = TimeSpan.Zero;
        }

        var now = s.Time.GetUtcNow();
        problems.AddRange(s.Data.SilenceBook.ProblemsOf(match, null, now + length));
        if (problems.Count > 0)
        {
            return Refuse(http, s, form, "silence", "invalid", StatusCodes.Status400BadRequest, string.Join("; ", problems));
        }

        var (_, refusal) = await s.Data.SilenceBook.CreateAsync(match, null, now + length, comment, Officer(http)!, http.RequestAborted);
        return refusal == SilenceRefusal.Full
            ? Refuse(http, s, form, "silence", "full", StatusCodes.Status409Conflict, $"{ISilences.MaxSilences} silences are in force or pending; expire some first")
            : Done(http, s, form, "silence");
    }

    private static async Task<IResult> ExpireAsync(HttpContext http, PageServices s, string id)
    {
        var (form, refused) = await ReadFormAsync(http, s, "expire");
        if (refused is not null)
        {
            return refused;
        }

        var (_, refusal) = await s.Data.SilenceBook.ExpireAsync(id, Officer(http)!, http.RequestAborted);
        return refusal == SilenceRefusal.None ? Done(http, s, form!, "expire") : RefuseSilence(http, s, form!, "expire", id, refusal);
    }

    /// <summary>
    /// Extending is a new silence with the same matchers and comment that ends later, then the old
    /// one expired: a silence is never edited, so its history stays true (docs/page.md#silences).
    /// </summary>
    private static async Task<IResult> ExtendAsync(HttpContext http, PageServices s, string id)
    {
        var (form, refused) = await ReadFormAsync(http, s, "extend");
        if (refused is not null)
        {
            return refused;
        }

        if (Preset(form!["for"].ToString()) is not { } length)
        {
            return Refuse(http, s, form, "extend", "invalid", StatusCodes.Status400BadRequest, "for: one of " + string.Join(", ", SilencesView.Presets));
        }

        var book = s.Data.SilenceBook;
        var now = s.Time.GetUtcNow();
        var old = book.Find(id);
        if (old is null || old.Configured || old.StateAt(now) == "expired")
        {
            var refusal = old is null ? SilenceRefusal.NotFound : old.Configured ? SilenceRefusal.Configured : SilenceRefusal.AlreadyExpired;
            return RefuseSilence(http, s, form, "extend", id, refusal);
        }

        var officer = Officer(http)!;
        var (_, full) = await book.CreateAsync(old.Match, old.StartsAt > now ? old.StartsAt : null, old.EndsAt + length, old.Comment ?? "extended", officer, http.RequestAborted);
        if (full == SilenceRefusal.Full)
        {
            return Refuse(http, s, form, "extend", "full", StatusCodes.Status409Conflict, $"{ISilences.MaxSilences} silences are in force or pending; expire some first");
        }

        await book.ExpireAsync(id, officer, http.RequestAborted);
        return Done(http, s, form, "extend");
    }

    /// <summary>
    /// The form of an action, once the body is known to be small and the antiforgery token valid;
    /// the policy was checked before (the endpoint's authorization), so nothing is read for a stranger.
    /// </summary>
    private static async Task<(IFormCollection? Form, IResult? Refused)> ReadFormAsync(HttpContext http, PageServices s, string action)
    {
        if (Officer(http) is null)
        {
            return (null, RefuseBare(http, s, action, "no-officer", StatusCodes.Status403Forbidden, "an action through the page needs a logged-in officer (the API takes the bearer token)"));
        }

        if (http.Request.ContentLength is > MaxFormBytes)
        {
            return (null, RefuseBare(http, s, action, "too-large", StatusCodes.Status413PayloadTooLarge, $"a form of the page is at most {MaxFormBytes} bytes"));
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxFormBytes;
        }

        if (!http.Request.HasFormContentType)
        {
            return (null, RefuseBare(http, s, action, "not-a-form", StatusCodes.Status415UnsupportedMediaType, "the body must be a form (application/x-www-form-urlencoded)"));
        }

        try
        {
            if (!await s.Antiforgery.IsRequestValidAsync(http))
            {
                return (null, RefuseBare(http, s, action, "antiforgery", StatusCodes.Status403Forbidden, "the form's antiforgery token is missing or not valid; reload the page and try again"));
            }

            return (await http.Request.ReadFormAsync(http.RequestAborted), null);
        }
        catch (Exception ex) when (ex is BadHttpRequestException or InvalidDataException)
        {
            return (null, RefuseBare(http, s, action, "too-large", StatusCodes.Status413PayloadTooLarge, $"a form of the page is at most {MaxFormBytes} bytes"));
        }
    }

    private static string? Officer(HttpContext http) =>
        http.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } && http.User.IsInRole(Auth.AuthPolicies.OfficerRole) ? name : null;

    private static IResult Done(HttpContext http, PageServices s, IFormCollection form, string action)
    {
        s.Metrics.Actions.WithLabels(action, "done").Inc();
        LogAction(s.Logger, action, Officer(http)!);
        var back = LocalReturn(form["return"].ToString());
        return new SeeOther(back + (back.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "done=" + action);
    }

    private static IResult RefuseSilence(HttpContext http, PageServices s, IFormCollection form, string action, string id, SilenceRefusal refusal) => refusal switch
    {
        SilenceRefusal.Configured => Refuse(http, s, form, action, "configured", StatusCodes.Status409Conflict, $"silence {id} is configured (Notifications:Silences); change it there"),
        SilenceRefusal.AlreadyExpired => Refuse(http, s, form, action, "expired", StatusCodes.Status409Conflict, $"silence {id} has already expired"),
        _ => Refuse(http, s, form, action, "not-found", StatusCodes.Status404NotFound, $"no silence {id}"),
    };

    private static IResult Refuse(HttpContext http, PageServices s, IFormCollection? form, string action, string reason, int status, string why)
    {
        s.Metrics.Actions.WithLabels(action, reason).Inc();
        LogRefused(s.Logger, action, reason);
        var back = LocalReturn(form?["return"].ToString());
        return Render(http, s, back.Split('?')[0], typeof(MessageView), "error", new Dictionary<string, object> { ["Text"] = why, ["Back"] = back }, status, null);
    }

    private static IResult RefuseBare(HttpContext http, PageServices s, string action, string reason, int status, string why)
    {
        s.Metrics.Actions.WithLabels(action, reason).Inc();
        LogRefused(s.Logger, action, reason);
        return Results.Problem(why, statusCode: status);
    }

    /// <summary>Where to go back to: a path of this site only (never another origin).</summary>
    internal static string LocalReturn(string? value) =>
        value is { Length: > 0 and <= 2000 } v && v[0] == '/' && !v.StartsWith("//", StringComparison.Ordinal) && !v.StartsWith("/\\", StringComparison.Ordinal) && !v.Contains("://", StringComparison.Ordinal)
            ? v
            : PageRoutes.Alerts;

    private static TimeSpan? Preset(string value) => value switch
    {
        "1h" => TimeSpan.FromHours(1),
        "4h" => TimeSpan.FromHours(4),
        "24h" => TimeSpan.FromHours(24),
        _ => null,
    };

    private static SilenceMatch MatchOf(Func<string, string> field)
    {
        string? One(string name) => Bounded(field(name).Trim(), 100) is { Length: > 0 } v ? v : null;
        return new SilenceMatch(One("severity"), One("kind"), One("site"), One("device"), One("rule"), One("metric"));
    }

    private static string? Bounded(string? value, int max) => value is null ? null : value.Length <= max ? value : value[..max];

    /// <summary>303 See Other: the browser follows with a GET, whatever the form's method.</summary>
    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    [LoggerMessage(EventId = 7901, Level = LogLevel.Information, Message = "Page action {Action} by {Officer}")]
    private static partial void LogAction(ILogger logger, string action, string officer);

    [LoggerMessage(EventId = 7902, Level = LogLevel.Information, Message = "Page action {Action} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string action, string reason);
}
