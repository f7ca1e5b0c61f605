using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Notifications.Routing;

/// <summary>
/// Which channels a notification goes to (<c>Notifications:Routes</c>) and whether a silence holds
/// it back (<c>Notifications:Silences</c> and those made through <c>/api/silences</c>, <see cref="SilenceBook"/>). Matchers are compiled once; options are validated at
/// start (<see cref="NotificationOptionsValidator"/>), so parsing here cannot fail.
/// </summary>
internal sealed class NotificationRouter
{
    private readonly IReadOnlyList<(Matcher Match, IReadOnlyList<string> Channels, bool Continue)> _routes;
    private readonly IReadOnlyList<(Silence Silence, Matcher Matcher)> _configured;
    private readonly SilenceBook? _book;

    /// <param name="silences">The configured silences merged with those made through the API; without it, the configured ones only.</param>
    public NotificationRouter(IOptions<NotificationOptions> options, SilenceBook? silences = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _book = silences;
        _routes = [.. options.Value.Routes.Select(r => (Matcher.Compile(r.Match), (IReadOnlyList<string>)r.Channels, r.Continue))];
        _configured = SilenceBook.Configured(options.Value);
    }

    /// <summary>Whether <paramref name="n"/> goes to <paramref name="channel"/>: without routes, every channel takes everything.</summary>
    public bool Routes(AlertNotification n, string channel)
    {
        ArgumentNullException.ThrowIfNull(n);
        if (_routes.Count == 0)
        {
            return true;
        }

        foreach (var (match, channels, goOn) in _routes)
        {
            if (!match.IsMatch(n))
            {
                continue;
            }

            if (channels.Contains(channel, StringComparer.Ordinal))
            {
                return true;
            }

            if (!goOn)
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Whether a silence in force at <paramref name="now"/> holds <paramref name="n"/> back.</summary>
    public bool IsSilenced(AlertNotification n, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(n);
        return _book?.IsSilenced(n, now) ?? SilenceBook.AnyHolds(_configured, n, now);
    }

    /// <summary>The problems of one matcher, for the options validator.</summary>
    public static IEnumerable<string> ProblemsOf(NotificationMatcher matcher, string where)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        if (matcher.Severity is { } severity && !AlertSeverities.TryParse(severity, out _))
        {
            yield return $"{where}:Severity '{severity}' is not one of {string.Join(", ", AlertSeverities.Names)}";
        }

        if (matcher.Kind is { } kind && kind != "*" && !SensorKinds.TryParse(kind, out _))
        {
            yield return $"{where}:Kind '{kind}' is not air, water, soil or *";
        }

        foreach (var (name, pattern) in new[] { ("Site", matcher.Site), ("Device", matcher.Device), ("Rule", matcher.Rule), ("Metric", matcher.Metric) })
        {
            if (pattern is not null && !Glob.TryParse(pattern, out _, out var error))
            {
                yield return $"{where}:{name} '{pattern}': {error}";
            }
        }
    }

    internal sealed record Matcher(AlertSeverity? MinSeverity, SensorKind? Kind, Glob Site, Glob Device, Glob Rule, Glob Metric)
    {
        public static Matcher Compile(NotificationMatcher m) => new(
            AlertSeverities.TryParse(m.Severity, out var severity) ? severity : null,
            m.Kind is { } k && k != "*" && SensorKinds.TryParse(k, out var kind) ? kind : null,
            GlobOf(m.Site),
            GlobOf(m.Device),
            GlobOf(m.Rule),
            GlobOf(m.Metric));

        public bool IsMatch(AlertNotification n) => IsMatch(n.Severity, n.Kind, n.Site, n.Device, n.Rule, n.Metric);

        public bool IsMatch(AlertSeverity severity, SensorKind kind, string site, string device, string rule, string? metric) =>
            (MinSeverity is null || severity >= MinSeverity)
            && (Kind is null || kind == Kind)
            && Site.IsMatch(site)
            && Device.IsMatch(device)
            && Rule.IsMatch(rule)
            && Metric.IsMatch(metric ?? string.Empty);

        private static Glob GlobOf(string? pattern) => pattern is not null && Glob.TryParse(pattern, out var glob, out _) ? glob : Glob.Any;
    }
}
