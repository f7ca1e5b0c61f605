using System.Text.RegularExpressions;
using AngleSharp.Dom;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Sensors;
using EcoMonitor.Service.Page;
using Microsoft.AspNetCore.Http;
using static EcoMonitor.Service.Tests.Page.PageRender;

namespace EcoMonitor.Service.Tests.Page;

/// <summary>The page's HTML without a browser: counts and filter links, ordering, chips, times, language, CSP, forms.</summary>
public sealed class PageRenderingTests
{
    [Fact]
    public async Task The_summary_counts_firing_by_severity_unacknowledged_silenced_and_sensors_each_a_filter_link()
    {
        var firing = new[]
        {
            Alert("a1", AlertSeverity.Critical, "s1"),
            Alert("a2", AlertSeverity.Warning, "s1", device: "n2", ack: new Acknowledgement("wang", Now, null)),
            Alert("a3", AlertSeverity.Warning, "s2"),
            Alert("a4", AlertSeverity.Info, "s3"),
        };
        var silences = new[] { Silence("x1", new SilenceMatch(Site: "s2"), TimeSpan.FromHours(2)), Silence("x2", new SilenceMatch(Site: "nowhere"), TimeSpan.FromHours(2)) };
        var sensors = new[] { Sensor("s1", "n1", "online"), Sensor("s1", "n2", "online"), Sensor("s2", "n1", "stale"), Sensor("s3", "n1", "offline") };
        var doc = await ShellAsync(Request(Snapshot(firing, silences: silences, sensors: sensors)), typeof(AlertsView));

        var counts = doc.QuerySelectorAll("#summary [data-count]").ToDictionary(a => a.GetAttribute("data-count")!, a => (Number: a.QuerySelector("strong")!.TextContent, Href: a.GetAttribute("href")));
        Assert.Equal(("1", "/?severity=critical"), counts["critical"]);
        Assert.Equal(("2", "/?severity=warning"), counts["warning"]);
        Assert.Equal(("1", "/?severity=info"), counts["info"]);
        Assert.Equal(("3", "/?ack=no"), counts["unacknowledged"]);
        Assert.Equal(("1", "/?silenced=yes"), counts["silenced"]);
        Assert.Equal(("2", "/sensors?status=online"), counts["online"]);
        Assert.Equal(("1", "/sensors?status=stale"), counts["stale"]);
        Assert.Equal(("1", "/sensors?status=offline"), counts["offline"]);

        // The filter in the URL narrows the list and says so, with a way back.
        var filtered = await ShellAsync(Request(Snapshot(firing, silences: silences, sensors: sensors), filters: new PageFilters(Ack: "no")), typeof(AlertsView));
        Assert.Equal(["a1", "a3", "a4"], filtered.QuerySelectorAll("#alerts tr[data-alert-id]").Select(r => r.GetAttribute("data-alert-id")!).Order());
        Assert.Contains("unacknowledged", filtered.QuerySelector(".filtered")!.TextContent, StringComparison.Ordinal);

        // The silence that matches no firing alert is flagged; the one that holds a3 marks its row.
        var silencesView = await ViewAsync<SilencesView>(Request(Snapshot(firing, silences: silences), path: PageRoutes.Silences));
        Assert.NotNull(silencesView.QuerySelector("tr[data-silence-id='x2'] .flag.nothing"));
        Assert.Null(silencesView.QuerySelector("tr[data-silence-id='x1'] .flag.nothing"));
        Assert.Contains("silenced", filtered.QuerySelector("tr[data-alert-id='a3']")!.ClassList);
    }

    [Fact]
    public async Task Firing_alerts_are_grouped_by_site_the_site_with_a_critical_first_and_worst_first_inside()
    {
        var firing = new[]
        {
            Alert("w-a", AlertSeverity.Warning, "alpha", age: TimeSpan.FromHours(3)),
            Alert("i-z", AlertSeverity.Info, "zulu", age: TimeSpan.FromHours(5)),
            Alert("c-z", AlertSeverity.Critical, "zulu", device: "n9", age: TimeSpan.FromMinutes(5)),
            Alert("w-z", AlertSeverity.Warning, "zulu", device: "n3", age: TimeSpan.FromHours(1)),
        };
        var doc = await ViewAsync<AlertsView>(Request(Snapshot(firing)));
        var groups = doc.QuerySelectorAll("table.firing tbody").Select(b => (b.GetAttribute("data-site"), string.Join(",", b.QuerySelectorAll("tr[data-alert-id]").Select(r => r.GetAttribute("data-alert-id"))))).ToList();
        Assert.Equal([("zulu", "c-z,w-z,i-z"), ("alpha", "w-a")], groups);

        // Severity is icon + word + colour class, never colour alone.
        var badge = doc.QuerySelector("tr[data-alert-id='c-z'] .sev")!;
        Assert.Contains("sev-critical", badge.ClassList);
        Assert.Contains("critical", badge.TextContent, StringComparison.Ordinal);
        Assert.Equal("✖", badge.QuerySelector(".sev-icon")!.TextContent);
        Assert.Equal("rowgroup", doc.QuerySelector("tbody[data-site='zulu'] tr.site-row th")!.GetAttribute("scope"));

        // Value and unit against the threshold; acknowledged by whom and when.
        Assert.Contains("120 µg/m³", doc.QuerySelector("tr[data-alert-id='c-z'] .value")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("75 µg/m³", doc.QuerySelector("tr[data-alert-id='c-z'] .value")!.TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "#00E400", "#000")]
    [InlineData(2, "#FFFF00", "#000")]
    [InlineData(3, "#FF7E00", "#000")]
    [InlineData(4, "#FF0000", "#000")]
    [InlineData(5, "#99004C", "#fff")]
    [InlineData(6, "#7E0023", "#fff")]
    public async Task An_AQI_chip_has_its_HJ_633_colour_black_text_on_the_first_four_white_on_the_last_two_a_border_and_the_level_word(int level, string colour, string text)
    {
        var aqi = new AqiView("hj633-2026", 40 + (level * 50), level, Chips.Levels[level - 1].CategoryZh, Chips.Levels[level - 1].CategoryEn, colour, ["pm25"]);
        var doc = await ViewAsync<SensorsView>(Request(Snapshot(sensors: [Sensor("s1", "n1", "online", aqi)]), path: PageRoutes.Sensors));
        var chip = doc.QuerySelector("tr[data-device='s1/n1'] .aqi")!;
        Assert.Contains($"aqi-{level}", chip.ClassList);
        Assert.Contains(Chips.Levels[level - 1].CategoryEn, chip.TextContent, StringComparison.Ordinal);

        var css = SiteCss();
        Assert.Matches(new Regex($@"\.aqi-{level} \{{ background: {colour}; color: {Regex.Escape(text)}; \}}"), css);
        Assert.Matches(new Regex(@"\.chip \{[^}]*border: 2px solid #222"), css);

        var zh = await ViewAsync<SensorsView>(Request(Snapshot(sensors: [Sensor("s1", "n1", "online", aqi)]), PageText.Chinese, path: PageRoutes.Sensors));
        Assert.Contains(Chips.Levels[level - 1].CategoryZh, zh.QuerySelector(".aqi")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_AQI_that_cannot_be_computed_is_NA_and_the_water_class_chip_has_its_numeral_and_the_configured_colour()
    {
        var sensors = new[]
        {
            Sensor("s1", "air1", "online", new AqiView("hj633-2026", null, null, null, null, null, [])),
            Sensor("s1", "w1", "online", water: new WaterClassView(6, "劣Ⅴ", "nh3n", 2.5), kind: "water"),
            Sensor("s1", "w2", "online", water: new WaterClassView(3, "Ⅲ", "do", 5.5), kind: "water"),
        };
        var doc = await ViewAsync<SensorsView>(Request(Snapshot(sensors: sensors), PageText.Chinese, path: PageRoutes.Sensors));
        var na = doc.QuerySelector("tr[data-device='s1/air1'] .aqi")!;
        Assert.Contains("aqi-na", na.ClassList);
        Assert.Contains("NA", na.TextContent, StringComparison.Ordinal);
        Assert.Equal("劣Ⅴ类", doc.QuerySelector("tr[data-device='s1/w1'] .water")!.TextContent);
        Assert.Contains("water-6", doc.QuerySelector("tr[data-device='s1/w1'] .water")!.ClassList);
        Assert.Equal("Ⅲ类", doc.QuerySelector("tr[data-device='s1/w2'] .water")!.TextContent);

        var defaults = Chips.PaletteCss(new UiOptions().EffectiveWaterPalette());
        Assert.Contains(".water-1, .swatch-water-1 { background-color: #CCFFFF; color: #000000; }", defaults, StringComparison.Ordinal);
        Assert.Contains(".water-2, .swatch-water-2 { background-color: #00CCFF; color: #000000; }", defaults, StringComparison.Ordinal);
        Assert.Contains(".water-6, .swatch-water-6 { background-color: #FF0000; color: #000000; }", defaults, StringComparison.Ordinal);
        var configured = Chips.PaletteCss(new UiOptions { WaterPalette = new() { ["6"] = "#400000" } }.EffectiveWaterPalette());
        Assert.Contains(".water-6, .swatch-water-6 { background-color: #400000; color: #FFFFFF; }", configured, StringComparison.Ordinal);
        Assert.Contains(".water-3, .swatch-water-3 { background-color: #00FF00;", configured, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_offline_sensor_is_greyed_with_its_age_and_a_stale_one_says_stale()
    {
        var sensors = new[] { Sensor("s1", "live", "online"), Sensor("s1", "quiet", "stale", seenAgo: TimeSpan.FromMinutes(42)), Sensor("s1", "gone", "offline", seenAgo: TimeSpan.FromHours(3) + TimeSpan.FromMinutes(5)) };
        var doc = await ViewAsync<SensorsView>(Request(Snapshot(sensors: sensors), path: PageRoutes.Sensors));
        var gone = doc.QuerySelector("tr[data-device='s1/gone']")!;
        Assert.Contains("status-offline", gone.ClassList);
        Assert.Equal("3 h 5 min", gone.QuerySelector(".age")!.TextContent);
        Assert.Contains("offline", gone.QuerySelector(".status")!.TextContent, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"tr\.status-offline \{[^}]*color: #5a5a5a"), SiteCss());
        var quiet = doc.QuerySelector("tr[data-device='s1/quiet']")!;
        Assert.Contains("status-stale", quiet.ClassList);
        Assert.Contains("stale", quiet.QuerySelector(".status")!.TextContent, StringComparison.Ordinal);
        Assert.Null(doc.QuerySelector("tr[data-device='s1/live'] .age"));
        Assert.NotNull(doc.QuerySelector("tr[data-device='s1/live'] svg.spark polyline[points]"));
    }

    [Fact]
    public async Task Times_are_shown_in_the_station_zone_with_its_offset_relative_and_absolute()
    {
        var firing = new[] { Alert("a1", AlertSeverity.Warning, "s1", age: TimeSpan.FromMinutes(90)) };
        var doc = await ShellAsync(Request(Snapshot(firing)), typeof(AlertsView));
        Assert.Equal("Time zone: Asia/Shanghai (UTC+08:00)", doc.QuerySelector("#tz")!.TextContent);
        var started = doc.QuerySelector("tr[data-alert-id='a1'] time")!;
        Assert.Equal("2026-12-02T14:30:00+08:00", started.GetAttribute("datetime"));
        Assert.Equal("1 h 30 min ago", started.QuerySelector(".rel")!.TextContent);
        Assert.Equal("2026-12-02 14:30:00 UTC+08:00", started.QuerySelector(".abs")!.TextContent);

        var newYork = await ShellAsync(Request(Snapshot(firing), PageText.Chinese, zone: "America/New_York"), typeof(AlertsView));
        var there = newYork.QuerySelector("tr[data-alert-id='a1'] time")!;
        Assert.Equal("2026-12-02 01:30:00 UTC-05:00", there.QuerySelector(".abs")!.TextContent);
        Assert.Equal("1小时30分钟前", there.QuerySelector(".rel")!.TextContent);
    }

    [Fact]
    public async Task The_language_comes_from_the_query_then_the_cookie_then_Accept_Language_and_sets_the_lang_attribute()
    {
        var query = new DefaultHttpContext();
        query.Request.QueryString = new QueryString("?lang=en");
        query.Request.Headers.AcceptLanguage = "zh-CN";
        Assert.Same(PageText.English, PageLanguage.Resolve(query));
        Assert.Contains("ecomonitor-lang=en", query.Response.Headers.SetCookie.ToString(), StringComparison.Ordinal);

        var cookie = new DefaultHttpContext();
        cookie.Request.Headers.Cookie = "ecomonitor-lang=zh";
        cookie.Request.Headers.AcceptLanguage = "en-US,en;q=0.9";
        Assert.Same(PageText.Chinese, PageLanguage.Resolve(cookie));

        Assert.Same(PageText.English, PageLanguage.FromAcceptLanguage("fr-FR, en-GB;q=0.8, zh;q=0.5"));
        Assert.Same(PageText.Chinese, PageLanguage.FromAcceptLanguage("zh-TW;q=0.9, en;q=0.4"));
        Assert.Same(PageText.Chinese, PageLanguage.FromAcceptLanguage(""));

        var zh = await ShellAsync(Request(Snapshot(), PageText.Chinese), typeof(AlertsView));
        Assert.Equal("zh-CN", zh.DocumentElement.GetAttribute("lang"));
        Assert.Equal("正在告警 (0)", zh.QuerySelector("#firing-title")!.TextContent);
        Assert.Equal("/?lang=en", zh.QuerySelector(".user a[hreflang]")!.GetAttribute("href"));
        var en = await ShellAsync(Request(Snapshot(), PageText.English, filters: new PageFilters(Severity: "critical")), typeof(AlertsView));
        Assert.Equal("en", en.DocumentElement.GetAttribute("lang"));
        Assert.Equal("/?severity=critical&lang=zh", en.QuerySelector(".user a[hreflang]")!.GetAttribute("href"));

        // Both languages have every word.
        Assert.Equal(PageText.English.Keys.Order(), PageText.Chinese.Keys.Order());
    }

    [Fact]
    public async Task No_view_has_inline_script_or_style_and_every_action_is_a_button_in_a_form_with_the_antiforgery_token()
    {
        var firing = new[] { Alert("a1", AlertSeverity.Critical, "s1"), Alert("a2", AlertSeverity.Warning, "s2", ack: new Acknowledgement("wang", Now, "on it")) };
        var resolved = new[] { Alert("r1", AlertSeverity.Warning, "s1", endsAt: Now.AddHours(-2)) };
        var silences = new[] { Silence("x1", new SilenceMatch(Site: "s1"), TimeSpan.FromHours(2)), Silence("x2", new SilenceMatch(Site: "s9"), TimeSpan.FromHours(5), TimeSpan.FromHours(1)) };
        var sensors = new[] { Sensor("s1", "n1", "online", new AqiView("hj633-2026", 135, 3, "轻度污染", "Lightly polluted", "#FF7E00", ["pm25"])), Sensor("s2", "n1", "offline") };
        var snapshot = Snapshot(firing, resolved, silences, sensors);
        var row = snapshot.Firing[0];
        var sensorView = sensors[0];
        var docs = new List<(string View, IDocument Doc)>
        {
            ("alerts", await ShellAsync(Request(snapshot), typeof(AlertsView))),
            ("silences", await ShellAsync(Request(snapshot, path: PageRoutes.Silences), typeof(SilencesView))),
            ("sensors", await ShellAsync(Request(snapshot, PageText.Chinese, path: PageRoutes.Sensors), typeof(SensorsView))),
            ("new silence", await ShellAsync(Request(snapshot, path: PageRoutes.NewSilence), typeof(SilenceNewView), new Dictionary<string, object> { ["Match"] = new SilenceMatch(Site: "s1", Rule: "pm25-high"), ["Preview"] = firing.Take(1).ToList() })),
            ("details", await ShellAsync(Request(snapshot, path: PageRoutes.Alert("a1")), typeof(AlertDetailsView), new Dictionary<string, object>
            {
                ["Row"] = row,
                ["Notifications"] = new List<NotificationRow> { new(7, "Started", "firing", "critical", 120, Now.AddMinutes(-30), null) },
                ["Channels"] = new List<(string, string)> { ("ops", "webhook") },
                ["Sensor"] = sensorView,
            })),
        };
        foreach (var (view, doc) in docs)
        {
            Assert.True(doc.QuerySelectorAll("[style]").Length == 0, $"{view}: a style attribute");
            Assert.True(doc.QuerySelectorAll("style").Length == 0, $"{view}: a <style> element");
            Assert.All(doc.QuerySelectorAll("script"), s => Assert.True(s.HasAttribute("src") && s.TextContent.Trim().Length == 0, $"{view}: an inline script"));
            Assert.All(doc.All, e => Assert.DoesNotContain(e.Attributes, a => a.Name.StartsWith("on", StringComparison.Ordinal) || a.Name.StartsWith("hx-on", StringComparison.Ordinal)));
            Assert.All(doc.QuerySelectorAll("a[href]"), a => Assert.DoesNotContain("javascript:", a.GetAttribute("href")!, StringComparison.OrdinalIgnoreCase));

            // Every button is in a form, except the pause toggle that page.js shows (hidden without JavaScript).
            Assert.All(doc.QuerySelectorAll("button"), b => Assert.True(b.Closest("form") is not null || (b.Id == "pause" && b.HasAttribute("hidden")), $"{view}: a button outside a form: {b.OuterHtml}"));
            Assert.All(doc.QuerySelectorAll("form[method='post']"), f =>
                Assert.Equal(TokenValue, f.QuerySelector($"input[type='hidden'][name='{TokenField}']")?.GetAttribute("value")));
            Assert.All(doc.QuerySelectorAll("th"), th => Assert.True(th.HasAttribute("scope"), $"{view}: a <th> without scope: {th.OuterHtml}"));
        }

        var alerts = docs[0].Doc;
        Assert.Equal("/ui/alerts/a1/ack", alerts.QuerySelector("tr[data-alert-id='a1'] form[method='post']")!.GetAttribute("action"));
        Assert.NotNull(alerts.QuerySelector("tr[data-alert-id='a1'] button#ack-a1"));
        Assert.Null(alerts.QuerySelector("tr[data-alert-id='a2'] form[method='post']"));
        Assert.Contains("wang", alerts.QuerySelector("tr[data-alert-id='a2'] .ack")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(alerts.QuerySelector("[aria-live='polite']#announce"));

        // No author field anywhere: the page records the logged-in officer.
        Assert.All(docs, d => Assert.Null(d.Doc.QuerySelector("input[name='author'], input[name='by']")));
        Assert.NotNull(docs[4].Doc.QuerySelector("svg line.marker.start"));
        Assert.NotNull(docs[4].Doc.QuerySelector("table.hourly"));
    }

    [Fact]
    public async Task A_viewer_sees_no_action_and_is_told_why()
    {
        var firing = new[] { Alert("a1", AlertSeverity.Critical, "s1") };
        var silences = new[] { Silence("x1", new SilenceMatch(Site: "s1"), TimeSpan.FromHours(2)) };
        foreach (var (user, reason) in new[] { (new PageUser("guest", CanAct: false), "Only officers"), (new PageUser(null, CanAct: false), "Log in as an officer") })
        {
            var alerts = await ShellAsync(Request(Snapshot(firing, silences: silences), user: user), typeof(AlertsView));
            Assert.Empty(alerts.QuerySelectorAll("main form[method='post']"));
            Assert.Contains(reason, alerts.QuerySelector("main .note")!.TextContent, StringComparison.Ordinal);
            var silenceView = await ViewAsync<SilencesView>(Request(Snapshot(firing, silences: silences), user: user, path: PageRoutes.Silences));
            Assert.Empty(silenceView.QuerySelectorAll("form[method='post']"));
        }
    }

    [Fact]
    public void A_silence_matches_as_the_notification_module_does_severity_as_a_minimum_and_globs()
    {
        var alert = Alert("a1", AlertSeverity.Warning, "lake-3", device: "buoy-7");
        Assert.True(SilenceMatching.Matches(new SilenceMatch(Site: "lake-*"), alert));
        Assert.True(SilenceMatching.Matches(new SilenceMatch(Severity: "info", Kind: "air"), alert));
        Assert.False(SilenceMatching.Matches(new SilenceMatch(Severity: "critical"), alert));
        Assert.False(SilenceMatching.Matches(new SilenceMatch(Kind: "water"), alert));
        Assert.False(SilenceMatching.Matches(new SilenceMatch(Site: "lake-3", Device: "buoy-8"), alert));
    }

    [Fact]
    public void Only_a_path_of_this_site_is_returned_to()
    {
        Assert.Equal("/silences?state=active", PageEndpoints.LocalReturn("/silences?state=active"));
        Assert.Equal("/", PageEndpoints.LocalReturn("//evil.example/x"));
        Assert.Equal("/", PageEndpoints.LocalReturn("https://evil.example/"));
        Assert.Equal("/", PageEndpoints.LocalReturn("/\\evil.example"));
        Assert.Equal("/", PageEndpoints.LocalReturn(null));
    }

    internal static string SiteCss() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "wwwroot", "css", "site.css"));
}
