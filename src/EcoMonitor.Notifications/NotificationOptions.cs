using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Notifications;

/// <summary>Section <c>Notifications</c> (README.md#configuration, docs/notifications.md#channels).</summary>
internal sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>
    /// Where notifications go. None configured: one <c>log</c> channel (docs/notifications.md#channels).
    /// </summary>
    [ValidateEnumeratedItems]
    public List<ChannelOptions> Channels { get; set; } = [];

    /// <summary>
    /// Matchers to channel names, first match wins unless <see cref="RouteOptions.Continue"/>.
    /// None configured: every notification goes to every channel.
    /// </summary>
    public List<RouteOptions> Routes { get; set; } = [];

    /// <summary>Notifications matching a silence are not sent until it expires (they are counted and logged at Debug).</summary>
    public List<SilenceOptions> Silences { get; set; } = [];

    /// <summary>
    /// Notifications of one site within this window go out as one message per channel (an alert
    /// storm from one site is one message, not hundreds). Zero: each alone.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan GroupWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At most this many notifications in one message; a larger group is split.</summary>
    [Range(1, 1000)]
    public int MaxGroupSize { get; set; } = 100;

    /// <summary>
    /// Expiry policy: a notification not delivered to a channel within this long after it was made
    /// is given up for that channel, logged at Error and counted
    /// (<c>ecomonitor_notifications_expired_total{channel}</c>). Until then it is retried.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Language of messages unless a channel says otherwise: <c>zh-CN</c> or <c>en</c>.</summary>
    public string Language { get; set; } = "zh-CN";

    /// <summary>IANA time zone for times in messages unless a channel says otherwise.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>The officers' page as users reach it (e.g. https://eco.example.org); messages link each alert there. None: no link.</summary>
    public Uri? PublicUrl { get; set; }

    /// <summary>
    /// Disk bound of the outbox. Delivered notifications are compacted away first; if undelivered
    /// ones alone exceed it, the oldest are expired: logged at error and counted in
    /// <c>ecomonitor_notifications_expired_total</c> (a full disk must not stop ingestion).
    /// </summary>
    [Range(64 * 1024L, long.MaxValue)]
    public long OutboxMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The configured channels, or the one <c>log</c> channel when none is configured.</summary>
    public IReadOnlyList<ChannelOptions> EffectiveChannels() =>
        Channels.Count > 0 ? Channels : [new ChannelOptions { Name = "log", Type = "log" }];
}

/// <summary>The ranges of <see cref="NotificationOptions"/> and of each channel; <see cref="NotificationOptionsValidator"/> checks the rest.</summary>
[OptionsValidator]
internal sealed partial class NotificationOptionsRangeValidator : IValidateOptions<NotificationOptions>;

/// <summary>One channel (<c>Notifications:Channels:N</c>). Which keys apply depends on <see cref="Type"/>.</summary>
internal sealed class ChannelOptions
{
    /// <summary>Unique; routes name it.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary><c>webhook</c>, <c>alertmanager</c>, <c>dingtalk</c>, <c>wecom</c>, <c>feishu</c>, <c>email</c>, <c>mqtt</c> or <c>log</c>.</summary>
    public string Type { get; set; } = string.Empty;

    /// <summary>webhook, alertmanager (base URL), dingtalk, wecom, feishu: where to post.</summary>
    public Uri? Url { get; set; }

    /// <summary>webhook: HMAC-SHA256 key (header <c>X-EcoMonitor-Signature</c>); dingtalk, feishu: the robot's signing secret. Never logged.</summary>
    public string? Secret { get; set; }

    /// <summary>webhook: extra request headers (e.g. an Authorization the receiver wants).</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary><c>zh-CN</c> or <c>en</c>; default <see cref="NotificationOptions.Language"/>.</summary>
    public string? Language { get; set; }

    /// <summary>IANA time zone; default <see cref="NotificationOptions.TimeZone"/>.</summary>
    public string? TimeZone { get; set; }

    /// <summary>
    /// Messages a minute this channel may send; beyond it messages wait (queued, never dropped).
    /// Default: 20 for dingtalk, wecom and feishu (their robots' documented limit), unlimited otherwise.
    /// </summary>
    [Range(1, 100_000)]
    public int? RatePerMinute { get; set; }

    /// <summary>One attempt's timeout; Polly's timeout takes 10 ms at least.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Who to @-mention: dingtalk mobile numbers, wecom user ids, feishu open ids.</summary>
    public List<string> Mentions { get; set; } = [];

    /// <summary>dingtalk, wecom, feishu: mention everyone for critical alerts.</summary>
    public bool MentionAllOnCritical { get; set; }

    /// <summary>alertmanager: how often firing alerts are sent again (Alertmanager resolves an alert it has not heard of for its resolve_timeout).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ResendInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>email: SMTP server.</summary>
    public string? SmtpHost { get; set; }

    public int SmtpPort { get; set; } = 587;

    /// <summary>email: <c>StartTls</c> (default), <c>Tls</c> (implicit, port 465), <c>None</c> (a relay on localhost only).</summary>
    public string SmtpSecurity { get; set; } = "StartTls";

    public string? SmtpUsername { get; set; }

    /// <summary>Never logged.</summary>
    public string? SmtpPassword { get; set; }

    public string? From { get; set; }

    public List<string> To { get; set; } = [];

    /// <summary>mqtt: topic prefix; messages go to <c>{prefix}/{site}/{severity}</c>.</summary>
    public string TopicPrefix { get; set; } = "eco/alerts";
}

/// <summary>A route: notifications matching every given matcher go to <see cref="Channels"/>.</summary>
internal sealed class RouteOptions
{
    public NotificationMatcher Match { get; set; } = new();

    public List<string> Channels { get; set; } = [];

    /// <summary>Go on to the next routes after this one matched.</summary>
    public bool Continue { get; set; }
}

/// <summary>A silence: matching notifications are not sent until <see cref="Until"/>.</summary>
internal sealed class SilenceOptions
{
    public NotificationMatcher Match { get; set; } = new();

    public DateTimeOffset Until { get; set; }

    public string? Comment { get; set; }
}

/// <summary>Globs on the notification's fields; an unset matcher matches everything.</summary>
internal sealed class NotificationMatcher
{
    /// <summary>Lowest severity that matches: <c>info</c>, <c>warning</c>, <c>critical</c>.</summary>
    public string? Severity { get; set; }

    public string? Kind { get; set; }

    public string? Site { get; set; }

    public string? Device { get; set; }

    public string? Rule { get; set; }

    public string? Metric { get; set; }
}
