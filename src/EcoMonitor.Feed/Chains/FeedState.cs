using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Core.Alerting.Rules;
using System.Text.Json.Serialization;
using EcoMonitor.Core.Readings;

namespace EcoMonitor.Feed.Chains;

/// <summary>
/// What the feed knows, saved as <c>DataDirectory/feed/index.json</c> (docs/feed.md#persistence):
/// the chains and their messages, and the last outbox notification taken into account. A state
/// once published is never changed: each round works on a copy (<see cref="FeedState.Copy"/>)
/// and replaces it once its files and the index are on disk.
/// </summary>
internal sealed class FeedState
{
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;

    /// <summary>The last outbox notification this state has taken into account.</summary>
    public long LastSequence { get; set; }

    /// <summary>When the index last changed (a message, a chain leaving): the index's Last-Modified.</summary>
    public DateTimeOffset Changed { get; set; }

    public List<FeedChain> Chains { get; set; } = [];

    [JsonIgnore]
    public int MessageCount => Chains.Sum(c => c.Messages.Count);

    /// <summary>True when a chain holds the message <paramref name="identifier"/>.</summary>
    public bool Contains(string identifier) => Chains.Any(c => c.Messages.Any(m => m.Identifier == identifier));

    /// <summary>A deep copy, to work on.</summary>
    public FeedState Copy() => new()
    {
        Version = Version,
        LastSequence = LastSequence,
        Changed = Changed,
        Chains = [.. Chains.Select(c => c.Copy())],
    };
}

/// <summary>
/// One warning as the public sees it: the alerts of one public rule at one site, from the first that
/// fires to the end of the last (docs/feed.md#chains). Its messages go Alert → Update … → Update (all clear).
/// </summary>
internal sealed class FeedChain
{
    /// <summary>16 hex digits, stable: the CAP <c>incidents</c> value and the stem of its identifiers.</summary>
    public required string Id { get; set; }

    public required string Rule { get; set; }

    public required string Site { get; set; }

    public SensorKind Kind { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    /// <summary>When its all-clear was sent; null while firing.</summary>
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>The rule's public texts and description, as the last notification gave them.</summary>
    public string? TitleZh { get; set; }

    public string? TitleEn { get; set; }

    public string? Description { get; set; }

    /// <summary>The metric and direction of the last alert, for the all-clear's words.</summary>
    public string? Metric { get; set; }

    public bool Below { get; set; }

    /// <summary>Firing alerts of the chain, by alert id.</summary>
    public Dictionary<string, FeedMember> Members { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Its messages, oldest first (some may have been pruned; the newest never is).</summary>
    public List<FeedEntry> Messages { get; set; } = [];

    /// <summary>Messages written in the chain, pruned or not: numbers its identifiers.</summary>
    public int Issued { get; set; }

    [JsonIgnore]
    public bool Active => EndedAt is null;

    public FeedChain Copy() => new()
    {
        Id = Id,
        Rule = Rule,
        Site = Site,
        Kind = Kind,
        StartedAt = StartedAt,
        EndedAt = EndedAt,
        TitleZh = TitleZh,
        TitleEn = TitleEn,
        Description = Description,
        Metric = Metric,
        Below = Below,
        Members = new Dictionary<string, FeedMember>(Members, StringComparer.Ordinal),
        Messages = [.. Messages],
        Issued = Issued,
    };
}

/// <summary>One firing alert of a chain, as its last notification described it.</summary>
internal sealed record FeedMember(
    string AlertId,
    string Device,
    string? Metric,
    AlertSeverity Severity,
    double Value,
    double Threshold,
    string? Unit,
    AqiStandard? AqiStandard,
    DateTimeOffset StartsAt);

/// <summary>
/// One published CAP message: what the index and the references need, so that no file is read to
/// serve the index. <see cref="ETag"/> is the hash of the file's bytes.
/// </summary>
internal sealed record FeedEntry(
    string Identifier,
    DateTimeOffset Sent,
    DateTimeOffset Expires,
    string MsgType,
    string Reason,
    string Urgency,
    string CapSeverity,
    string Certainty,
    AlertSeverity Severity,
    int? AqiLevel,
    string EventEn,
    string HeadlineEn,
    string AreaDescEn,
    string ETag,
    long Bytes)
{
    [JsonIgnore]
    public bool AllClear => Reason == FeedReasons.AllClear;
}

/// <summary>Why a message was written (label <c>reason</c> of <c>ecomonitor_feed_messages_total</c>).</summary>
internal static class FeedReasons
{
    public const string Start = "start";
    public const string Change = "change";
    public const string Reissue = "reissue";
    public const string AllClear = "allclear";
}
