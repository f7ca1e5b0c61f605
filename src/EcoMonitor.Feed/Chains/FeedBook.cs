using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Feed.Cap;

namespace EcoMonitor.Feed.Chains;

/// <summary>A message made in a round, not yet on disk.</summary>
internal sealed record FeedDraft(FeedChain Chain, FeedEntry Entry, byte[] Bytes);

/// <summary>A public alert the feed did not publish, and why (label <c>reason</c> of <c>ecomonitor_feed_withheld_total</c>).</summary>
internal sealed record FeedWithheld(string Reason, string Rule, string Site);

/// <summary>What one round changed: messages to write, files to delete once the index is saved, alerts withheld.</summary>
internal sealed class FeedRound
{
    public List<FeedDraft> Drafts { get; } = [];

    public List<(string Identifier, string Reason)> Deleted { get; } = [];

    public List<FeedWithheld> Withheld { get; } = [];

    /// <summary>A chain was touched (a member came or went) even if no message was written: the index must be saved.</summary>
    public bool Touched { get; set; }

    public bool Changed => Touched || Drafts.Count > 0 || Deleted.Count > 0;
}

/// <summary>
/// The lifecycle of the feed's chains (docs/feed.md#chains): which notification starts, changes or
/// ends a chain, when a chain is re-announced and when it leaves, and the CAP message each step
/// writes. No I/O: it works on a <see cref="FeedState"/> copy and says what to write.
/// </summary>
/// <remarks>
/// A notification gives the same messages however often it is applied to the same state (the
/// sent time is the notification's), so a round repeated after a crash writes the same bytes.
/// </remarks>
internal sealed class FeedBook(FeedOptions options)
{
    private readonly TimeZoneInfo _zone = options.Zone();

    public TimeZoneInfo Zone => _zone;

    /// <summary>Takes one outbox notification into account.</summary>
    /// <remarks>A notification older than <c>Feed:Expires</c> starts no chain (<paramref name="now"/>): its warning would be out of date when published.</remarks>
    public void Apply(FeedState state, AlertNotification n, DateTimeOffset now, FeedRound round)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(n);
        state.LastSequence = Math.Max(state.LastSequence, n.Sequence);
        var chain = state.Chains.FirstOrDefault(c => c.Active && c.Rule == n.Rule && c.Site == n.Site);
        if (chain is null)
        {
            if (n.State != NotificationState.Firing || !n.Public)
            {
                return;
            }

            if (now - n.CreatedAt >= options.Expires)
            {
                round.Withheld.Add(new FeedWithheld("stale", n.Rule, n.Site));
                return;
            }

            if (!options.ShowSiteIds && !options.Sites.ContainsKey(n.Site))
            {
                round.Withheld.Add(new FeedWithheld("no-site", n.Rule, n.Site));
                return;
            }

            if (state.Chains.Count >= options.MaxChains && !DropOldestEnded(state, round, "bound"))
            {
                round.Withheld.Add(new FeedWithheld("chains-full", n.Rule, n.Site));
                return;
            }

            chain = new FeedChain { Id = ChainId(n), Rule = n.Rule, Site = n.Site, Kind = n.Kind, StartedAt = n.StartsAt };
            state.Chains.Add(chain);
        }

        round.Touched = true;
        if (n.Public)
        {
            chain.TitleZh = n.PublicTitleZh;
            chain.TitleEn = n.PublicTitleEn;
            chain.Description = n.Description;
            chain.Metric = n.Metric;
        }

        if (n.State == NotificationState.Resolved)
        {
            chain.Members.Remove(n.AlertId);
        }
        else
        {
            chain.Below = n.Value < n.Threshold;
            chain.Members[n.AlertId] = new FeedMember(n.AlertId, n.Device, n.Metric, n.Severity, n.Value, n.Threshold, n.Unit, n.AqiStandard, n.StartsAt);
        }

        var at = CapTime.Truncate(n.CreatedAt);
        if (chain.Messages.Count > 0 && at < chain.Messages[^1].Sent)
        {
            at = chain.Messages[^1].Sent;
        }

        if (chain.Members.Count == 0)
        {
            End(state, chain, at, round);
            return;
        }

        var (severity, level) = Worst(chain);
        if (chain.Messages.Count == 0)
        {
            Issue(state, chain, FeedReasons.Start, at, round);
        }
        else if (chain.Messages[^1].Severity != severity || chain.Messages[^1].AqiLevel != level)
        {
            Issue(state, chain, FeedReasons.Change, at, round);
        }
    }

    /// <summary>What the clock does: re-announces firing chains before they expire, drops ended ones after KeepEnded, keeps the bound.</summary>
    public void Tick(FeedState state, DateTimeOffset now, FeedRound round)
    {
        ArgumentNullException.ThrowIfNull(state);
        var at = CapTime.Truncate(now);
        foreach (var chain in state.Chains.Where(c => c.Active && c.Messages.Count > 0).ToList())
        {
            if (at >= chain.Messages[^1].Expires - options.ReissueBefore)
            {
                Issue(state, chain, FeedReasons.Reissue, at < chain.Messages[^1].Sent ? chain.Messages[^1].Sent : at, round);
            }
        }

        foreach (var chain in state.Chains.Where(c => !c.Active && at - c.EndedAt!.Value >= options.KeepEnded).ToList())
        {
            Remove(state, chain, round, "ended");
        }

        Bound(state, round);
        if (round.Deleted.Count > 0 && at > state.Changed)
        {
            // The index changed (entries left): its Last-Modified moves, so If-Modified-Since sees it.
            state.Changed = at;
        }
    }

    /// <summary>Keeps at most <c>Feed:MaxMessages</c> files: superseded messages go first (expired ones oldest first), then the oldest ended chains.</summary>
    public void Bound(FeedState state, FeedRound round)
    {
        ArgumentNullException.ThrowIfNull(state);
        var excess = state.MessageCount - options.MaxMessages;
        if (excess <= 0)
        {
            return;
        }

        var superseded = state.Chains
            .SelectMany(c => c.Messages.Take(c.Messages.Count - 1).Select(m => (Chain: c, Message: m)))
            .OrderBy(x => x.Message.Expires)
            .Take(excess)
            .ToList();
        foreach (var (chain, message) in superseded)
        {
            chain.Messages.Remove(message);
            round.Deleted.Add((message.Identifier, "bound"));
            excess--;
        }

        while (excess > 0 && state.Chains.Count(c => !c.Active) > 0)
        {
            var before = state.MessageCount;
            DropOldestEnded(state, round, "bound");
            excess -= before - state.MessageCount;
        }

    }

    private bool DropOldestEnded(FeedState state, FeedRound round, string reason)
    {
        var oldest = state.Chains.Where(c => !c.Active).MinBy(c => c.EndedAt);
        if (oldest is null)
        {
            return false;
        }

        Remove(state, oldest, round, reason);
        return true;
    }

    private static void Remove(FeedState state, FeedChain chain, FeedRound round, string reason)
    {
        state.Chains.Remove(chain);
        round.Deleted.AddRange(chain.Messages.Select(m => (m.Identifier, reason)));
    }

    /// <summary>The last alert ended: an all-clear while an earlier message is unexpired, else the chain ends silently (it already lapsed).</summary>
    private void End(FeedState state, FeedChain chain, DateTimeOffset at, FeedRound round)
    {
        if (chain.Messages.Any(m => m.Expires > at))
        {
            Issue(state, chain, FeedReasons.AllClear, at, round);
        }
        else if (chain.Messages.Count == 0)
        {
            state.Chains.Remove(chain);
            return;
        }

        chain.EndedAt = at;
        state.Changed = at > state.Changed ? at : state.Changed;
    }

    private void Issue(FeedState state, FeedChain chain, string reason, DateTimeOffset at, FeedRound round)
    {
        var allClear = reason == FeedReasons.AllClear;
        var references = chain.Messages.Where(m => m.Expires > at).Select(m => new CapReference(options.Sender, m.Identifier, m.Sent)).ToList();

        // An Update must reference what it replaces; when everything lapsed, the chain starts again.
        var msgType = references.Count == 0 ? "Alert" : "Update";
        var (severity, level) = allClear ? (chain.Messages[^1].Severity, chain.Messages[^1].AqiLevel) : Worst(chain);
        var number = chain.Issued + 1;
        var identifier = string.Create(CultureInfo.InvariantCulture, $"{at.UtcDateTime:yyyyMMdd'T'HHmmss}-{chain.Id}-{number}");
        var expires = at + (allClear ? options.AllClearExpires : options.Expires);
        var message = new CapMessage(
            identifier,
            options.Sender,
            at,
            msgType,
            references,
            chain.Id,
            [Info(chain, CapVocabulary.Chinese, reason, at, expires, severity, level), Info(chain, CapVocabulary.English, reason, at, expires, severity, level)]);
        var bytes = CapWriter.Write(message, _zone);
        var english = message.Infos[1];
        var entry = new FeedEntry(
            identifier,
            at,
            expires,
            msgType,
            reason,
            english.Urgency,
            english.Severity,
            english.Certainty,
            severity,
            level,
            english.Event,
            CapWriter.Plain(english.Headline),
            CapWriter.Plain(english.Area.AreaDesc),
            ETagOf(bytes),
            bytes.Length);
        chain.Messages.Add(entry);
        chain.Issued = number;
        state.Changed = at > state.Changed ? at : state.Changed;
        round.Drafts.Add(new FeedDraft(chain, entry, bytes));
    }

    private CapInfo Info(FeedChain chain, string language, string reason, DateTimeOffset at, DateTimeOffset expires, AlertSeverity severity, int? level)
    {
        var zh = language == CapVocabulary.Chinese;
        var allClear = reason == FeedReasons.AllClear;
        var worst = allClear ? null : chain.Members.Values.OrderByDescending(m => m.Severity).ThenByDescending(m => Exceedance(m)).ThenBy(m => m.AlertId, StringComparer.Ordinal).First();
        var area = Area(chain.Site, zh);
        var title = Title(chain, worst, level, zh);
        var headline = allClear
            ? (zh ? $"解除：{title}（{area.AreaDesc}）" : $"All clear: {title} – {area.AreaDesc}")
            : (zh ? $"{title}（{area.AreaDesc}）" : $"{title} – {area.AreaDesc}");
        var parameters = new List<KeyValuePair<string, string>>();
        string description;
        if (worst is null)
        {
            description = chain.Members.Count == 0 && IsAqiChain(chain)
                ? (zh ? $"{area.AreaDesc}空气质量已于{Local(at)}恢复到预警级别以下。" : $"Air quality at {area.AreaDesc} is back below the warning level as of {Local(at)}.")
                : (zh ? $"{area.AreaDesc}的监测值已于{Local(at)}恢复到限值以内。" : $"The readings at {area.AreaDesc} are back within the limit as of {Local(at)}.");
        }
        else
        {
            var name = CapVocabulary.Metric(worst.Metric, language);
            var unit = worst.Unit is { Length: > 0 } u ? (zh ? u : " " + u) : string.Empty;
            var started = Local(chain.Members.Values.Min(m => m.StartsAt));
            if (worst.AqiStandard is { } standard && level is { } lv)
            {
                var band = AqiBands.Of(standard, AqiOf(worst.Value));
                description = zh
                    ? $"{area.AreaDesc}空气质量指数（AQI）为{AqiOf(worst.Value)}，{band.CategoryZh}（{band.LevelName ?? lv.ToString(CultureInfo.InvariantCulture) + "级"}，{standard.Name()}），自{started}起。"
                    : $"The air quality index at {area.AreaDesc} is {AqiOf(worst.Value)}: {band.Category.ToLowerInvariant()} (level {lv}, {standard.Name()}), since {started}.";
                parameters.Add(new("aqi", AqiOf(worst.Value).ToString(CultureInfo.InvariantCulture)));
                parameters.Add(new("aqiLevel", lv.ToString(CultureInfo.InvariantCulture)));
                parameters.Add(new("aqiCategory", zh ? band.CategoryZh : band.Category));
                parameters.Add(new("aqiStandard", standard.Name()));
            }
            else
            {
                var below = worst.Value < worst.Threshold;
                description = zh
                    ? $"{area.AreaDesc}监测到{name}为{Number(worst.Value)}{unit}，{(below ? "低于" : "超过")}限值{Number(worst.Threshold)}{unit}，自{started}起。"
                    : $"{Capitalised(name)} at {area.AreaDesc} measured {Number(worst.Value)}{unit}, {(below ? "below" : "above")} the limit of {Number(worst.Threshold)}{unit}, since {started}.";
            }

            if (options.ShowDevices)
            {
                var devices = string.Join(", ", chain.Members.Values.Select(m => m.Device).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
                description += zh ? $"监测设备：{devices}。" : $" Devices: {devices}.";
                parameters.Add(new("devices", devices));
            }

            parameters.Insert(0, new("metric", worst.Metric ?? "device"));
            parameters.Insert(1, new("value", Number(worst.Value)));
            if (worst.Unit is { Length: > 0 } unitName)
            {
                parameters.Insert(2, new("unit", unitName));
            }

            parameters.Add(new("threshold", Number(worst.Threshold)));
        }

        if (chain.Description is { Length: > 0 } basis)
        {
            parameters.Add(new("basis", basis));
        }

        if (options.ShowSiteIds || !options.Sites.ContainsKey(chain.Site))
        {
            parameters.Add(new("site", chain.Site));
        }

        return new CapInfo(
            language,
            CapVocabulary.Categories(chain.Kind),
            CapVocabulary.Event(chain.Kind, language),
            allClear ? "AllClear" : severity == AlertSeverity.Info ? "Monitor" : "Avoid",
            allClear ? "Past" : "Immediate",
            CapVocabulary.Severity(severity),
            "Observed",
            CapVocabulary.EventCode(chain.Kind),
            at,
            allClear ? null : chain.Members.Values.Min(m => m.StartsAt),
            expires,
            zh && options.SenderNameZh.Length > 0 ? options.SenderNameZh : options.SenderName,
            Bounded(headline, 139),
            description,
            allClear ? null : CapVocabulary.Advice(chain.Kind, level, language),
            options.Web.Length > 0 ? options.Web : null,
            parameters,
            area);
    }

    private string Title(FeedChain chain, FeedMember? worst, int? level, bool zh)
    {
        if ((zh ? chain.TitleZh : chain.TitleEn) is { Length: > 0 } own)
        {
            return own;
        }

        if (IsAqiChain(chain))
        {
            var standard = worst?.AqiStandard ?? chain.Members.Values.Select(m => m.AqiStandard).FirstOrDefault(s => s is not null) ?? AqiStandard.Hj633_2026;
            var band = level is { } lv ? AqiBands.For(standard).First(b => b.Level == lv) : null;
            return band is null
                ? (zh ? "空气质量预警" : "Air quality warning")
                : (zh ? $"空气质量{band.CategoryZh}" : $"Air quality {band.Category.ToLowerInvariant()}");
        }

        var name = CapVocabulary.Metric(worst?.Metric ?? chain.Metric, zh ? CapVocabulary.Chinese : CapVocabulary.English);
        var below = worst is not null ? worst.Value < worst.Threshold : chain.Below;
        return zh ? $"{name}{(below ? "低于限值" : "超标")}" : $"{Capitalised(name)} {(below ? "below" : "above")} the limit";
    }

    private CapArea Area(string site, bool zh)
    {
        if (options.Sites.TryGetValue(site, out var configured) && configured is not null)
        {
            var desc = zh ? Or(configured.AreaDescZh, configured.AreaDescEn) : Or(configured.AreaDescEn, configured.AreaDescZh);
            return new CapArea(desc, Blank(configured.Polygon), Blank(configured.Circle), Blank(configured.Adcode));
        }

        return new CapArea(site, null, null, null);
    }

    private static bool IsAqiChain(FeedChain chain) => chain.Members.Values.Any(m => m.AqiStandard is not null) || chain.Messages.LastOrDefault()?.AqiLevel is not null;

    private static (AlertSeverity Severity, int? AqiLevel) Worst(FeedChain chain)
    {
        var severity = chain.Members.Values.Max(m => m.Severity);
        int? level = null;
        foreach (var m in chain.Members.Values)
        {
            if (m.AqiStandard is { } standard)
            {
                var l = AqiBands.Of(standard, AqiOf(m.Value)).Level;
                level = level is { } known && known >= l ? known : l;
            }
        }

        return (severity, level);
    }

    private static int AqiOf(double value) => double.IsFinite(value) && value > 0 ? (int)Math.Min(Math.Round(value, MidpointRounding.AwayFromZero), 100_000) : 0;

    private static double Exceedance(FeedMember m) => m.Threshold == 0 ? Math.Abs(m.Value) : Math.Abs(m.Value / m.Threshold);

    private string Local(DateTimeOffset time) =>
        TimeZoneInfo.ConvertTime(time, _zone).ToString("yyyy-MM-dd HH:mm (UTCzzz)", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Capitalised(string text) => text.Length > 0 && char.IsLower(text[0]) ? char.ToUpperInvariant(text[0]) + text[1..] : text;

    private static string Or(string first, string second) => first.Length > 0 ? first : second;

    private static string? Blank(string text) => text.Length == 0 ? null : text;

    private static string Bounded(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>16 hex digits of SHA-256 over the rule, the site, the first alert and its notification: stable when the notification is applied again.</summary>
    private static string ChainId(AlertNotification n)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{n.Rule}\n{n.Site}\n{n.AlertId}\n{n.Sequence}");
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..8]);
    }

    /// <summary>A strong ETag: the first 16 bytes of the SHA-256 of the message, quoted.</summary>
    internal static string ETagOf(byte[] bytes)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return "\"" + Convert.ToHexStringLower(hash[..16]) + "\"";
    }
}
