using System.Text;
using EcoMonitor.Core.Alerting.AirQuality;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Readings;
using EcoMonitor.Feed.Publishing;

namespace EcoMonitor.Service.Tests.Feed;

/// <summary>
/// The feed's lifecycle (docs/feed.md#chains) on a real outbox and a fake clock: an episode Alert →
/// Update (severity) → Update (all clear), every message valid CAP 1.2 and chained; what is not
/// published; re-announcement before expiry; leaving the index; a restart.
/// </summary>
public sealed partial class FeedEpisodeTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("ecomonitor-feed-");

    [Fact]
    public void An_episode_is_an_Alert_an_Update_for_the_severity_and_an_all_clear_each_valid_CAP_and_referencing_every_unexpired_message()
    {
        using var feed = new FeedScenario(_data.FullName);
        feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 80);
        feed.Round();
        feed.Time.Advance(TimeSpan.FromMinutes(10));

        // A second device of the site at the same severity changes nothing public; the worse one does.
        feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 82, device: "n2");
        feed.Round();
        Assert.Single(feed.Messages());
        feed.Notify(NotificationState.Firing, AlertSeverity.Critical, 160, reason: NotificationReason.SeverityChanged);
        feed.Round();
        feed.Time.Advance(TimeSpan.FromMinutes(50));
        feed.Notify(NotificationState.Resolved, AlertSeverity.Critical, 40);
        feed.Round();
        Assert.Equal(3, feed.Messages().Count);
        feed.Notify(NotificationState.Resolved, AlertSeverity.Warning, 41, device: "n2");
        feed.Round();

        var messages = feed.Messages().Select(CapAssert.Valid).ToList();
        Assert.Equal(4, messages.Count);
        var (alert, update, easing, clear) = (messages[0], messages[1], messages[2], messages[3]);
        Assert.Equal(["Alert", "Update", "Update", "Update"], messages.Select(m => CapAssert.Text(m, "msgType")));
        Assert.Equal("2026-12-02T08:00:00+08:00", CapAssert.Text(alert, "sent"));
        Assert.Equal("2026-12-02T14:00:00+08:00", CapAssert.Text(CapAssert.Info(alert, "en"), "expires"));
        Assert.Equal(["Moderate", "Severe", "Moderate"], messages.Take(3).Select(m => CapAssert.Text(CapAssert.Info(m, "en"), "severity")));

        // The chain: each Update names every earlier message that has not expired, exactly.
        Assert.Equal([CapAssert.Triplet(alert)], CapAssert.References(update));
        Assert.Equal([CapAssert.Triplet(alert), CapAssert.Triplet(update)], CapAssert.References(easing));
        Assert.Equal([CapAssert.Triplet(alert), CapAssert.Triplet(update), CapAssert.Triplet(easing)], CapAssert.References(clear));
        Assert.Single(messages.Select(m => CapAssert.Text(m, "incidents")).Distinct());
        Assert.Equal(4, messages.Select(m => CapAssert.Text(m, "identifier")).Distinct().Count());

        // The all clear: responseType AllClear, urgency Past, a near expires, in both languages.
        foreach (var info in new[] { CapAssert.Info(clear, "zh-CN"), CapAssert.Info(clear, "en") })
        {
            Assert.Equal(("AllClear", "Past"), (CapAssert.Text(info, "responseType"), CapAssert.Text(info, "urgency")));
            Assert.Equal("2026-12-02T10:00:00+08:00", CapAssert.Text(info, "expires"));
        }

        // Mapping: categories, event code, area with its geometry and ADCODE, the value and threshold; no device ids.
        var en = CapAssert.Info(update, "en");
        var zh = CapAssert.Info(update, "zh-CN");
        Assert.Equal(["Env", "Health"], en.Elements(CapAssert.Cap + "category").Select(c => c.Value));
        Assert.Equal("OET-004", en.Element(CapAssert.Cap + "eventCode")!.Element(CapAssert.Cap + "value")!.Value);
        Assert.Equal(("Immediate", "Observed", "Avoid"), (CapAssert.Text(en, "urgency"), CapAssert.Text(en, "certainty"), CapAssert.Text(en, "responseType")));
        Assert.Equal(("160", "µg/m³", "75", "pm25"), (CapAssert.Parameter(en, "value"), CapAssert.Parameter(en, "unit"), CapAssert.Parameter(en, "threshold"), CapAssert.Parameter(en, "metric")));
        var area = zh.Element(CapAssert.Cap + "area")!;
        Assert.Equal(("城东区东湖街道", "30.5520,114.3620 2.5", "420102"), (CapAssert.Text(area, "areaDesc"), CapAssert.Text(area, "circle"), area.Element(CapAssert.Cap + "geocode")!.Element(CapAssert.Cap + "value")!.Value));
        Assert.Equal("城东区环境监测站", CapAssert.Text(zh, "senderName"));
        Assert.Contains("PM2.5", CapAssert.Text(zh, "headline"), StringComparison.Ordinal);
        Assert.All(feed.Messages(), bytes =>
        {
            var text = Encoding.UTF8.GetString(bytes);
            Assert.DoesNotContain(">n1<", text, StringComparison.Ordinal);
            Assert.DoesNotContain("n2", text, StringComparison.Ordinal);
        });

        // The index lists the chain once, by its newest message, and parses as Atom.
        var index = CapAssert.AtomIndex(feed.Reader.Index(new Uri("http://feed.test")).Bytes);
        Assert.Equal([CapAssert.Text(clear, "identifier")], CapAssert.Linked(index));
        Assert.Equal(1, feed.Metrics.Messages.WithLabels("Alert", "start").Value);
        Assert.Equal(1, feed.Metrics.Messages.WithLabels("Update", "allclear").Value);
    }

    [Fact]
    public void Rules_that_are_not_public_and_sites_without_an_area_never_appear_and_what_is_withheld_is_counted()
    {
        using var feed = new FeedScenario(_data.FullName);
        feed.Notify(NotificationState.Firing, AlertSeverity.Critical, 200, rule: "pm25-internal", isPublic: false);
        feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 90, site: "west");
        feed.Round();
        Assert.Empty(feed.Messages());
        Assert.Empty(CapAssert.Linked(CapAssert.AtomIndex(feed.Reader.Index(new Uri("http://feed.test")).Bytes)));
        Assert.Equal(1, feed.Metrics.Withheld.WithLabels("no-site").Value);
        Assert.Empty(feed.Outbox.Pending(FeedPublisher.CursorName, 10));

        // With Feed:ShowSiteIds the site's id is its area.
        var options = FeedScenario.DefaultOptions();
        options.ShowSiteIds = true;
        using var shown = new FeedScenario(Directory.CreateTempSubdirectory("ecomonitor-feed-ids-").FullName, options);
        try
        {
            shown.Notify(NotificationState.Firing, AlertSeverity.Warning, 90, site: "west");
            shown.Round();
            var alert = CapAssert.Valid(Assert.Single(shown.Messages()));
            Assert.Equal("west", CapAssert.Text(CapAssert.Info(alert, "en").Element(CapAssert.Cap + "area")!, "areaDesc"));
        }
        finally
        {
            Directory.Delete(shown.DataDirectory, recursive: true);
        }
    }

    [Fact]
    public void A_chain_that_keeps_firing_is_re_announced_before_it_expires_and_an_ended_chain_leaves_the_index_after_KeepEnded()
    {
        using var feed = new FeedScenario(_data.FullName);
        feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 0.12, kind: SensorKind.Water, rule: "lake-tp", site: "river", metric: "tp", threshold: 0.05, unit: "mg/L");
        feed.Round();
        feed.Time.Advance(TimeSpan.FromHours(4.9));
        feed.Round();
        Assert.Single(feed.Messages());
        feed.Time.Advance(TimeSpan.FromHours(0.2));
        feed.Round();
        var messages = feed.Messages().Select(CapAssert.Valid).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal([CapAssert.Triplet(messages[0])], CapAssert.References(messages[1]));
        var en = CapAssert.Info(messages[1], "en");
        Assert.Equal(("OET-047", "Water pollution"), (en.Element(CapAssert.Cap + "eventCode")!.Element(CapAssert.Cap + "value")!.Value, CapAssert.Text(en, "event")));
        Assert.Equal(["Env"], en.Elements(CapAssert.Cap + "category").Select(c => c.Value));
        Assert.NotNull(en.Element(CapAssert.Cap + "area")!.Element(CapAssert.Cap + "polygon"));

        feed.Notify(NotificationState.Resolved, AlertSeverity.Warning, 0.03, kind: SensorKind.Water, rule: "lake-tp", site: "river", metric: "tp", threshold: 0.05, unit: "mg/L");
        feed.Round();
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_data.FullName, "feed", "messages")).Length);
        feed.Time.Advance(TimeSpan.FromHours(23.9));
        feed.Round();
        Assert.Single(feed.Publisher.Current.Chains);
        feed.Time.Advance(TimeSpan.FromHours(0.2));
        feed.Round();
        Assert.Empty(feed.Publisher.Current.Chains);
        Assert.Empty(Directory.GetFiles(Path.Combine(_data.FullName, "feed", "messages")));
        Assert.Equal(3, feed.Metrics.Pruned.WithLabels("ended").Value);
    }

    [Fact]
    public void An_AQI_level_change_at_the_same_severity_is_an_Update_with_the_index_and_level_as_parameters()
    {
        using var feed = new FeedScenario(_data.FullName);
        feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 160, rule: "aqi-bad", metric: "aqi", threshold: 150, aqi: AqiStandard.Hj633_2026, unit: null);
        feed.Round();
        feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 230, rule: "aqi-bad", metric: "aqi", threshold: 150, aqi: AqiStandard.Hj633_2026, unit: null, reason: NotificationReason.Repeat);
        feed.Round();
        var messages = feed.Messages().Select(CapAssert.Valid).ToList();
        Assert.Equal(2, messages.Count);
        var en = CapAssert.Info(messages[1], "en");
        Assert.Equal(("230", "5", "hj633-2026"), (CapAssert.Parameter(en, "aqi"), CapAssert.Parameter(en, "aqiLevel"), CapAssert.Parameter(en, "aqiStandard")));
        Assert.Equal("重度污染", CapAssert.Parameter(CapAssert.Info(messages[1], "zh-CN"), "aqiCategory"));
        Assert.Contains("stay indoors", CapAssert.Text(en, "instruction"), StringComparison.Ordinal);
    }

    [Fact]
    public void After_a_restart_the_feed_serves_the_same_bytes_and_ETags_and_goes_on_from_its_cursor()
    {
        var feed = new FeedScenario(_data.FullName);
        byte[] before;
        string etag;
        string identifier;
        try
        {
            feed.Notify(NotificationState.Firing, AlertSeverity.Warning, 80);
            feed.Round();
            identifier = feed.Publisher.Current.Chains.Single().Messages.Single().Identifier;
            var document = feed.Reader.Message(identifier)!;
            (before, etag) = (document.Bytes, document.ETag);

            // Immutable: fetched again, the same bytes and ETag.
            Assert.Equal(before, feed.Reader.Message(identifier)!.Bytes);
            Assert.Equal(etag, feed.Reader.Message(identifier)!.ETag);
            feed.Restart();
            var again = feed.Reader.Message(identifier)!;
            Assert.Equal(before, again.Bytes);
            Assert.Equal(etag, again.ETag);

            // Nothing applied twice; the next notification continues the same chain.
            feed.Round();
            Assert.Single(feed.Messages());
            feed.Notify(NotificationState.Firing, AlertSeverity.Critical, 160, reason: NotificationReason.SeverityChanged);
            feed.Round();
            var messages = feed.Messages().Select(CapAssert.Valid).ToList();
            Assert.Equal([CapAssert.Triplet(messages[0])], CapAssert.References(messages[1]));
        }
        finally
        {
            feed.Dispose();
        }
    }

    [Fact]
    public void A_message_file_no_saved_index_names_was_never_published_and_is_removed_at_start()
    {
        var messages = Path.Combine(_data.FullName, "feed", "messages");
        Directory.CreateDirectory(messages);
        File.WriteAllText(Path.Combine(messages, "20261202T000000-0000000000000000-1.xml"), "<alert/>");
        using var feed = new FeedScenario(_data.FullName);
        Assert.Empty(Directory.GetFiles(messages));
        Assert.Null(feed.Reader.Message("20261202T000000-0000000000000000-1"));
        Assert.Null(feed.Reader.Message("../../etc/passwd"));
    }

    public void Dispose() => _data.Delete(recursive: true);
}
