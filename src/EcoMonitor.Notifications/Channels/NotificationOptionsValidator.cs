
using EcoMonitor.Notifications;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Notifications.Templates;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Notifications.Channels;

/// <summary>Checks <c>Notifications</c> at start (and in <c>check-config</c>), listing every problem.</summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        CheckLanguage(options.Language, "Notifications:Language", problems);
        CheckTimeZone(options.TimeZone, "Notifications:TimeZone", problems);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Channels.Count; i++)
        {
            var c = options.Channels[i];
            var where = $"Notifications:Channels:{i}";
            if (string.IsNullOrWhiteSpace(c.Name))
            {
                problems.Add($"{where}:Name is required");
            }
            else if (!names.Add(c.Name))
            {
                problems.Add($"{where}:Name '{c.Name}' is used by another channel");
            }

            if (!NotificationChannelFactory.Types.Contains(c.Type))
            {
                problems.Add($"{where}:Type '{c.Type}' is not one of {string.Join(", ", NotificationChannelFactory.Types)}");
            }
            else if (c.Type is "webhook" or "alertmanager" or "dingtalk" or "wecom" or "feishu" && c.Url is not { IsAbsoluteUri: true })
            {
                problems.Add($"{where}:Url is required for a {c.Type} channel (an absolute http(s) URL)");
            }
            else if (c.Type == "email" && (string.IsNullOrWhiteSpace(c.SmtpHost) || string.IsNullOrWhiteSpace(c.From) || c.To.Count == 0))
            {
                problems.Add($"{where}: an email channel needs SmtpHost, From and at least one To");
            }

            if (c.Type == "email" && c.SmtpSecurity is not ("StartTls" or "Tls" or "None"))
            {
                problems.Add($"{where}:SmtpSecurity '{c.SmtpSecurity}' is not StartTls, Tls or None");
            }

            if (c.Language is { } language)
            {
                CheckLanguage(language, $"{where}:Language", problems);
            }

            if (c.TimeZone is { } zone)
            {
                CheckTimeZone(zone, $"{where}:TimeZone", problems);
            }
        }

        var known = options.EffectiveChannels().Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < options.Routes.Count; i++)
        {
            var where = $"Notifications:Routes:{i}";
            problems.AddRange(NotificationRouter.ProblemsOf(options.Routes[i].Match, $"{where}:Match"));
            if (options.Routes[i].Channels.Count == 0)
            {
                problems.Add($"{where}:Channels is empty");
            }

            problems.AddRange(options.Routes[i].Channels.Where(c => !known.Contains(c)).Select(c => $"{where}:Channels names '{c}', which is not a configured channel"));
        }

        for (var i = 0; i < options.Silences.Count; i++)
        {
            problems.AddRange(NotificationRouter.ProblemsOf(options.Silences[i].Match, $"Notifications:Silences:{i}:Match"));
            if (options.Silences[i].Until == default)
            {
                problems.Add($"Notifications:Silences:{i}:Until is required (a silence must expire)");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void CheckLanguage(string language, string where, List<string> problems)
    {
        if (language is not (NotificationFormatter.Chinese or NotificationFormatter.English))
        {
            problems.Add($"{where} '{language}' is not {NotificationFormatter.Chinese} or {NotificationFormatter.English}");
        }
    }

    private static void CheckTimeZone(string zone, string where, List<string> problems)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            problems.Add($"{where} '{zone}' is not a known time zone (IANA name, e.g. Asia/Shanghai)");
        }
    }
}
