using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using EcoMonitor.Core.Alerting.Lifecycle;
using EcoMonitor.Core.Alerting.Rules;
using EcoMonitor.Core.Catalog;
using EcoMonitor.Core.Readings;
using EcoMonitor.Notifications.Routing;
using EcoMonitor.Sensors;
using EcoMonitor.Service.Page;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging;

namespace EcoMonitor.Service.Tests.Page;

/// <summary>Renders the page's components without a server or a browser, from hand-made data, and parses the HTML.</summary>
internal static class PageRender
{
    public const string TokenField = "__RequestVerificationToken";
    public const string TokenValue = "test-token-value";

    public static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    private static readonly ServiceProvider Services = new ServiceCollection().AddLogging().BuildServiceProvider();

    public static AlertInstance Alert(string id, AlertSeverity severity, string site, string device = "n1", string metric = "pm25", TimeSpan? age = null, Acknowledgement? ack = null, DateTimeOffset? endsAt = null) =>
        new(id, "pm25-high", severity, SensorKind.Air, site, device, metric, 120, 75, Now - (age ?? TimeSpan.FromMinutes(30)), endsAt, Late: false, ack);

    public static Silence Silence(string id, SilenceMatch match, TimeSpan endsIn, TimeSpan? startsIn = null) =>
        new(id, match, Now + (startsIn ?? TimeSpan.FromHours(-1)), Now + endsIn, "calibration", "officer.wang", Now - TimeSpan.FromHours(1), Configured: false);

    public static SensorView Sensor(string site, string device, string status, AqiView? aqi = null, WaterClassView? water = null, TimeSpan? seenAgo = null, string kind = "air")
    {
        var hourly = Enumerable.Range(0, 24).Select(i => new HourlyMean(Now.AddHours(i - 24), 30 + (i % 5 * 10), 60)).ToList();
        return new SensorView(site, device, kind, status, status == "online" ? "reporting" : "no reading for 42m", Now - (seenAgo ?? TimeSpan.FromMinutes(1)), Now - (seenAgo ?? TimeSpan.FromMinutes(1)), null,
            [new MetricView(kind == "water" ? "do" : "pm25", 35.2, kind == "water" ? "mg/L" : "µg/m³", Now, hourly)], aqi, water, null);
    }

    public static PageSnapshot Snapshot(IReadOnlyList<AlertInstance>? firing = null, IReadOnlyList<AlertInstance>? resolved = null, IReadOnlyList<Silence>? silences = null, IReadOnlyList<SensorView>? sensors = null, IReadOnlyList<AlertRule>? rules = null) =>
        PageData.Build(Now, firing ?? [], resolved ?? [], silences ?? [], rules ?? [], MetricCatalog.Default, sensors);

    public static PageRequest Request(PageSnapshot snapshot, PageText? text = null, PageUser? user = null, PageFilters? filters = null, string path = PageRoutes.Alerts, UiOptions? options = null, string zone = "Asia/Shanghai")
    {
        options ??= new UiOptions { StationName = "Test Station", TimeZone = zone };
        return new PageRequest
        {
            T = text ?? PageText.English,
            Clock = new StationClock(TimeZoneInfo.FindSystemTimeZoneById(zone), snapshot.Now),
            Snapshot = snapshot,
            Options = options,
            User = user ?? new PageUser("officer.li", CanAct: true),
            Antiforgery = new AntiforgeryField(TokenField, TokenValue),
            Filters = filters ?? new PageFilters(),
            Path = path,
        };
    }

    public static Task<IDocument> ShellAsync(PageRequest ctx, Type view, IDictionary<string, object>? extra = null) =>
        RenderAsync<PageShell>(new Dictionary<string, object?> { ["Ctx"] = ctx, ["View"] = view, ["Title"] = "t", ["Extra"] = extra });

    public static Task<IDocument> ViewAsync<T>(PageRequest ctx, IDictionary<string, object?>? extra = null)
        where T : IComponent
    {
        var parameters = new Dictionary<string, object?> { ["Ctx"] = ctx };
        foreach (var (k, v) in extra ?? new Dictionary<string, object?>())
        {
            parameters[k] = v;
        }

        return RenderAsync<T>(parameters);
    }

    public static async Task<string> HtmlAsync<T>(IDictionary<string, object?> parameters)
        where T : IComponent
    {
        await using var renderer = new HtmlRenderer(Services, Services.GetRequiredService<ILoggerFactory>());
        return await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<T>(ParameterView.FromDictionary(parameters))).ToHtmlString());
    }

    public static async Task<IDocument> RenderAsync<T>(IDictionary<string, object?> parameters)
        where T : IComponent
    {
        var html = await HtmlAsync<T>(parameters);
        return await new HtmlParser().ParseDocumentAsync(html);
    }
}
