using System.Text.Json;
using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using EcoMonitor.Runtime.Files;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Notifications.Routing;

/// <summary>The matchers of a silence, as the API takes and shows them (the same globs as <c>Notifications:Silences</c>).</summary>
public sealed record SilenceMatch(string? Severity = null, string? Kind = null, string? Site = null, string? Device = null, string? Rule = null, string? Metric = null)
{
    /// <summary>Whether these matchers match an alert with these labels: the rule the router silences by (docs/notifications.md).</summary>
    public bool Matches(AlertSeverity severity, SensorKind kind, string site, string device, string rule, string? metric) =>
        NotificationRouter.Matcher.Compile(ToMatcher()).IsMatch(severity, kind, site, device, rule, metric);

    internal NotificationMatcher ToMatcher() => new() { Severity = Severity, Kind = Kind, Site = Site, Device = Device, Rule = Rule, Metric = Metric };

    internal static SilenceMatch Of(NotificationMatcher m) => new(m.Severity, m.Kind, m.Site, m.Device, m.Rule, m.Metric);
}

/// <summary>
/// One silence. <see cref="Configured"/> ones come from <c>Notifications:Silences</c> and can only be
/// changed there; the others were created through the API and are kept in
/// <c>DataDirectory/state/silences.json</c>.
/// </summary>
public sealed record Silence(
    string Id,
    SilenceMatch Match,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string? Comment,
    string? Author,
    DateTimeOffset? CreatedAt,
    bool Configured)
{
    /// <summary><c>pending</c> before it starts, <c>active</c> while it holds, <c>expired</c> after.</summary>
    public string StateAt(DateTimeOffset now) => now < StartsAt ? "pending" : now < EndsAt ? "active" : "expired";
}

/// <summary>Why a change to the silences was refused.</summary>
public enum SilenceRefusal
{
    None,
    NotFound,
    Configured,
    AlreadyExpired,
    Full,
}

/// <summary>The silences as the HTTP surface sees them: list, create, expire.</summary>
public interface ISilences
{
    /// <summary>Silences created through the API kept at once, expired ones included (the oldest expired go first).</summary>
    const int MaxSilences = 1000;

    /// <summary>Every silence, configured and created: active first, then pending, then expired.</summary>
    IReadOnlyList<Silence> List();

    Silence? Find(string id);

    /// <summary>The problems of a request to silence, for a 400; none when it can be created.</summary>
    IReadOnlyList<string> ProblemsOf(SilenceMatch match, DateTimeOffset? startsAt, DateTimeOffset endsAt);

    Task<(Silence? Silence, SilenceRefusal Refusal)> CreateAsync(SilenceMatch match, DateTimeOffset? startsAt, DateTimeOffset endsAt, string comment, string author, CancellationToken cancellationToken);

    Task<(Silence? Silence, SilenceRefusal Refusal)> ExpireAsync(string id, string by, CancellationToken cancellationToken);

    /// <summary>Now, by the service's clock (a silence's state depends on it).</summary>
    DateTimeOffset Now { get; }
}

/// <summary>
/// The silences in force: the configured ones merged with those created through the API. Every
/// change is logged, counted and saved (atomically, outside the lock the channel workers read under).
/// </summary>
internal sealed partial class SilenceBook : ISilences
{
    public const int MaxSilences = ISilences.MaxSilences;

    /// <summary>How long an expired silence stays listed.</summary>
    public static readonly TimeSpan KeepExpired = TimeSpan.FromDays(7);

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly IReadOnlyList<(Silence Silence, NotificationRouter.Matcher Matcher)> _configured;
    private readonly TimeProvider _time;
    private readonly NotificationMetrics _metrics;
    private readonly ILogger<SilenceBook> _logger;
    private readonly IAuditTrail _trail;
    private readonly string _path;
    private readonly List<(Silence Silence, NotificationRouter.Matcher Matcher)> _created;
    private long _version;
    private long _savedVersion;

    public SilenceBook(IOptions<NotificationOptions> options, IOptions<DataDirectoryOptions> data, TimeProvider time, NotificationMetrics metrics, ILogger<SilenceBook> logger, IAuditTrail trail)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _trail = trail;
        _path = Path.Combine(Path.GetFullPath(data.Value.DataDirectory), "state", "silences.json");
        _configured = Configured(options.Value);
        _created = [.. Load().Select(s => (s, NotificationRouter.Matcher.Compile(s.Match.ToMatcher())))];
    }

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Whether a silence in force at <paramref name="now"/> holds <paramref name="n"/> back.</summary>
    public bool IsSilenced(AlertNotification n, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(n);
        lock (_gate)
        {
            return AnyHolds(_configured, n, now) || AnyHolds(_created, n, now);
        }
    }

    /// <summary>The silences of <c>Notifications:Silences</c>, in force from the start until their <c>Until</c>.</summary>
    internal static IReadOnlyList<(Silence Silence, NotificationRouter.Matcher Matcher)> Configured(NotificationOptions options) =>
        [.. options.Silences.Select((s, i) => (
            new Silence($"config-{i}", SilenceMatch.Of(s.Match), DateTimeOffset.MinValue, s.Until, s.Comment, null, null, Configured: true),
            NotificationRouter.Matcher.Compile(s.Match)))];

    /// <summary>Whether one of <paramref name="silences"/> is in force at <paramref name="now"/> and matches <paramref name="n"/>.</summary>
    internal static bool AnyHolds(IEnumerable<(Silence Silence, NotificationRouter.Matcher Matcher)> silences, AlertNotification n, DateTimeOffset now) =>
        silences.Any(s => s.Silence.StartsAt <= now && now < s.Silence.EndsAt && s.Matcher.IsMatch(n));

    /// <summary>Every silence, configured and created, in force first, then pending, then expired (newest first).</summary>
    public IReadOnlyList<Silence> List()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            return [.. _configured.Concat(_created).Select(s => s.Silence)
                .OrderBy(s => s.StateAt(now) switch { "active" => 0, "pending" => 1, _ => 2 })
                .ThenByDescending(s => s.EndsAt)];
        }
    }

    public Silence? Find(string id)
    {
        lock (_gate)
        {
            return _configured.Concat(_created).Select(s => s.Silence).FirstOrDefault(s => s.Id == id);
        }
    }

    /// <summary>The problems of a request to silence, for a 400; none when it can be created.</summary>
    public IReadOnlyList<string> ProblemsOf(SilenceMatch match, DateTimeOffset? startsAt, DateTimeOffset endsAt)
    {
        ArgumentNullException.ThrowIfNull(match);
        var problems = NotificationRouter.ProblemsOf(match.ToMatcher(), "matchers").ToList();
        if (match == new SilenceMatch())
        {
            problems.Add("matchers: at least one of severity, kind, site, device, rule, metric must be given (a silence of everything is a configuration change)");
        }

        var now = _time.GetUtcNow();
        if (endsAt <= (startsAt ?? now))
        {
            problems.Add("endsAt must be after startsAt (or after now)");
        }

        if (endsAt <= now)
        {
            problems.Add("endsAt must be in the future");
        }

        return problems;
    }

    /// <summary>Creates a silence (validated by <see cref="ProblemsOf"/> first); refused when the book is full of silences not yet expired.</summary>
    public async Task<(Silence? Silence, SilenceRefusal Refusal)> CreateAsync(SilenceMatch match, DateTimeOffset? startsAt, DateTimeOffset endsAt, string comment, string author, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        var now = _time.GetUtcNow();
        var silence = new Silence(Guid.NewGuid().ToString("N")[..16], match, startsAt ?? now, endsAt, comment, author, now, Configured: false);
        lock (_gate)
        {
            Purge(now);
            if (_created.Count >= MaxSilences)
            {
                var oldestExpired = _created.FindIndex(s => s.Silence.EndsAt <= now);
                if (oldestExpired < 0)
                {
                    LogFull(_logger, MaxSilences);
                    return (null, SilenceRefusal.Full);
                }

                _created.RemoveAt(oldestExpired);
            }

            _created.Add((silence, NotificationRouter.Matcher.Compile(match.ToMatcher())));
            _version++;
        }

        _metrics.SilenceChanges.WithLabels("created").Inc();
        LogCreated(_logger, silence.Id, author, silence.StartsAt, silence.EndsAt);
        await SaveAsync(cancellationToken);
        await AuditAsync(silence, "created", author, now, cancellationToken);
        return (silence, SilenceRefusal.None);
    }

    /// <summary>Ends a created silence now; it stays listed as expired.</summary>
    public async Task<(Silence? Silence, SilenceRefusal Refusal)> ExpireAsync(string id, string by, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        Silence expired;
        lock (_gate)
        {
            if (_configured.Any(s => s.Silence.Id == id))
            {
                return (null, SilenceRefusal.Configured);
            }

            var index = _created.FindIndex(s => s.Silence.Id == id);
            if (index < 0)
            {
                return (null, SilenceRefusal.NotFound);
            }

            if (_created[index].Silence.EndsAt <= now)
            {
                return (_created[index].Silence, SilenceRefusal.AlreadyExpired);
            }

            // A pending silence that is expired never started: it ends where it would have begun.
            var silence = _created[index].Silence;
            expired = silence with { EndsAt = now, StartsAt = silence.StartsAt > now ? now : silence.StartsAt };
            _created[index] = (expired, _created[index].Matcher);
            _version++;
        }

        _metrics.SilenceChanges.WithLabels("expired").Inc();
        LogExpired(_logger, id, by);
        await SaveAsync(cancellationToken);
        await AuditAsync(expired, "expired", by, now, cancellationToken);
        return (expired, SilenceRefusal.None);
    }

    /// <summary>The change's audit record, durable before the caller answers (docs/audit.md#records).</summary>
    private async Task AuditAsync(Silence silence, string change, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (_trail.Enabled)
        {
            await _trail.AppendAsync(SilenceAuditRecords.Silence(silence, change, by, at), cancellationToken);
        }
    }

    /// <summary>Under the lock: expired silences older than <see cref="KeepExpired"/> leave the book.</summary>
    private void Purge(DateTimeOffset now) => _created.RemoveAll(s => s.Silence.EndsAt + KeepExpired < now);

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        await _saving.WaitAsync(cancellationToken);
        try
        {
            List<Silence> snapshot;
            long version;
            lock (_gate)
            {
                if (_version == _savedVersion)
                {
                    return;
                }

                snapshot = [.. _created.Select(s => s.Silence)];
                version = _version;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            AtomicFile.Write(_path, stream => JsonSerializer.Serialize(stream, snapshot, NotificationJson.Options));
            _savedVersion = version;
        }
        finally
        {
            _saving.Release();
        }
    }

    private List<Silence> Load()
    {
        if (!File.Exists(_path))
        {
            return [];
        }

        try
        {
            using var stream = File.OpenRead(_path);
            return JsonSerializer.Deserialize<List<Silence>>(stream, NotificationJson.Options)?.Where(s => !s.Configured).ToList() ?? [];
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            // A damaged file must not keep the service from starting; the configured silences still hold.
            LogUnreadable(_logger, ex, _path);
            return [];
        }
    }

    [LoggerMessage(EventId = 7701, Level = LogLevel.Information, Message = "Silence {Id} created by {Author}, from {StartsAt} until {EndsAt}")]
    private static partial void LogCreated(ILogger logger, string id, string author, DateTimeOffset startsAt, DateTimeOffset endsAt);

    [LoggerMessage(EventId = 7702, Level = LogLevel.Information, Message = "Silence {Id} expired by {By}")]
    private static partial void LogExpired(ILogger logger, string id, string by);

    [LoggerMessage(EventId = 7703, Level = LogLevel.Warning, Message = "A silence was refused: {Max} silences are in force or pending")]
    private static partial void LogFull(ILogger logger, int max);

    [LoggerMessage(EventId = 7704, Level = LogLevel.Error, Message = "The silences file {Path} cannot be read; only the configured silences hold")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string path);
}
