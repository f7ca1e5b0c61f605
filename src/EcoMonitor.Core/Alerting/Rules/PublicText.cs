namespace EcoMonitor.Core.Alerting.Rules;

/// <summary>A text shown to the public, in both languages of the feed (docs/feed.md#texts).</summary>
public sealed record PublicText(string Zh, string En)
{
    /// <summary>Longest text accepted: with the area added a CAP headline stays under 140 characters.</summary>
    public const int MaxLength = 80;
}
