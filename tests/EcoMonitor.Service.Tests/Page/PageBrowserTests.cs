using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using EcoMonitor.Service.Tests.Auth;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.Playwright;

namespace EcoMonitor.Service.Tests.Page;

/// <summary>
/// The page in a real headless Chromium (Debian's <c>chromium</c>, driven by Playwright) against the
/// service on real mosquitto and VictoriaMetrics: an alert appears live, an officer logs in and
/// acknowledges it with the keyboard, silences it, a quiet sensor turns stale; nothing is fetched
/// from another origin; screenshots in both languages (docs/page.md#tests).
/// </summary>
public sealed class PageBrowserTests(Servers servers) : IDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    // Generous: the suite runs this beside the integration tests on two cores.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);
    private readonly string _rules = Path.Combine(Path.GetTempPath(), $"ecomonitor-page-rules-{Guid.NewGuid():N}.yaml");

    [Fact]
    public async Task An_alert_appears_live_is_acknowledged_with_the_keyboard_and_silenced_and_a_quiet_sensor_turns_stale()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: deploy/local/test.sh installs the Debian package chromium");
        var ct = TestContext.Current.CancellationToken;
        var site = $"pg-{Guid.NewGuid():N}"[..12];
        await using var service = await ServiceUnderTest.StartAsync(servers, site, ct,
            $"--Alerts:RulesFile={await PageScenario.WriteRulesAsync(_rules, ct)}",
            "--Ui:AnonymousView=true",
            "--Ui:StationName=Test Station",
            "--Ui:TimeZone=Asia/Shanghai",
            "--Ui:LiveCheckInterval=00:00:00.250",
            "--Sensors:StaleAfter=00:00:06",
            "--Sensors:TickInterval=00:00:00.250",
            "--Auth:Users:0:Name=wang", "--Auth:Users:0:Role=officer", $"--Auth:Users:0:PasswordHash={AuthClient.Hash(AuthClient.Password)}");
        var origin = service.BaseAddress.GetLeftPart(UriPartial.Authority);
        var offOrigin = new ConcurrentBag<string>();
        var consoleErrors = new ConcurrentBag<string>();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Timeout = 30_000,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = origin, Locale = "en-US", ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        context.SetDefaultTimeout((float)Deadline.TotalMilliseconds);

        // Every wait is bounded; generous, for a machine busy with other builds and tests.
        Assertions.SetDefaultExpectTimeout((float)Deadline.TotalMilliseconds);
        async Task OnlyTheServiceAsync(IRoute route)
        {
            if (new Uri(route.Request.Url).GetLeftPart(UriPartial.Authority) != origin)
            {
                offOrigin.Add(route.Request.Url);
                await route.AbortAsync();
                return;
            }

            await route.ContinueAsync();
        }

        await context.RouteAsync("**/*", OnlyTheServiceAsync);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };

        // The open page, live; a marker proves it is never reloaded while the alert arrives.
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "live");
        await page.EvaluateAsync("() => { window.__notReloaded = true; }");
        await PageScenario.PublishPm25Async(servers, site, "n1", 120, ct);
        var row = page.Locator("#alerts tr.alert-row");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the page was reloaded instead of updated");
        var id = (await row.GetAttributeAsync("data-alert-id"))!;
        await Assertions.Expect(row).ToContainTextAsync(PageScenario.Description);
        await Assertions.Expect(row).ToContainTextAsync("120 µg/m³");
        await Assertions.Expect(page.Locator("#announce")).ToContainTextAsync("New alert");
        await Assertions.Expect(page.Locator("#summary [data-count='critical'] strong")).ToHaveTextAsync("1");

        // An anonymous viewer is offered the login; the officer logs in and comes back.
        await page.Locator(".user a", new PageLocatorOptions { HasText = "Log in" }).ClickAsync();
        await page.Locator("#login-name").FillAsync("wang");
        await page.Locator("#login-password").FillAsync(AuthClient.Password);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"^[^?#]+//[^/]+/(\?.*)?$"));
        await Assertions.Expect(page.Locator(".who")).ToContainTextAsync("wang");

        // Acknowledge with the keyboard: type the comment, Tab to the button, Enter.
        await page.Locator($"#comment-{id}").FocusAsync();
        await page.Keyboard.TypeAsync("sampling crew sent");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal($"ack-{id}", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.PressAsync("Enter");
        var acked = page.Locator($"tr[data-alert-id='{id}'] td.ack");
        await Assertions.Expect(acked).ToContainTextAsync("wang");
        await Assertions.Expect(acked).ToContainTextAsync("sampling crew sent");
        await Assertions.Expect(acked.Locator("time .abs")).ToContainTextAsync("UTC+08:00");
        await Assertions.Expect(page.Locator("#summary [data-count='unacknowledged'] strong")).ToHaveTextAsync("0");

        // A silence from the alert: matchers prefilled, a preset, a comment; it shows on the silences view.
        await page.Locator($"#silence-{id}").ClickAsync();
        await Assertions.Expect(page.Locator("#m-site")).ToHaveValueAsync(site);
        await Assertions.Expect(page.Locator(".preview li")).ToHaveCountAsync(1);
        await page.Locator("input[name='for'][value='4h']").CheckAsync();
        await page.Locator("#s-comment").FillAsync("sensor cleaning");
        await page.Locator("#create-silence").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"^[^?#]+//[^/]+/silences(\?.*)?$"));
        var silence = page.Locator("tr.silence-row.state-active");
        await Assertions.Expect(silence).ToHaveCountAsync(1);
        await Assertions.Expect(silence).ToContainTextAsync($"site={site}");
        await Assertions.Expect(silence).ToContainTextAsync("wang");
        await Assertions.Expect(silence).ToContainTextAsync("sensor cleaning");
        await Assertions.Expect(silence.Locator(".countdown")).ToContainTextAsync("3 h 59 min");

        // The sensor stops reporting: the sensors view turns it stale, live.
        await page.Locator("nav a[href='/sensors']").ClickAsync();
        var sensor = page.Locator($"tr[data-device='{site}/n1']");
        await Assertions.Expect(sensor).ToHaveCountAsync(1);
        await Assertions.Expect(sensor).ToHaveAttributeAsync("data-status", "stale", new LocatorAssertionsToHaveAttributeOptions { Timeout = 30_000 });
        await Assertions.Expect(sensor.Locator(".status")).ToContainTextAsync("stale");

        // Screenshots in both languages (and the details view, with the hourly values around the start).
        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots"));
        foreach (var (lang, path) in new[] { ("en", "/"), ("zh", "/"), ("zh", "/sensors"), ("en", "/silences"), ("zh", $"/alerts/{id}") })
        {
            await page.GotoAsync($"{path}?lang={lang}");
            await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", lang == "zh" ? "zh-CN" : "en");
            var name = $"page-{lang}{(path == "/" ? "" : path.StartsWith("/alerts/", StringComparison.Ordinal) ? "-details" : "-" + path.Trim('/'))}.png";
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots.FullName, name), FullPage = true });
            Assert.True(new FileInfo(Path.Combine(shots.FullName, name)).Length > 10_000, $"{name} is (nearly) empty");
        }

        await page.GotoAsync($"/alerts/{id}?lang=en");
        await Assertions.Expect(page.Locator(".details td.ack, .details dd").Filter(new LocatorFilterOptions { HasText = "wang" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".value-chart line.marker.start")).ToHaveCountAsync(1);

        // Without JavaScript the same forms work: expiring the silence posts, and the 303 lands on the silences view.
        await using (var plain = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = origin, Locale = "en-US", JavaScriptEnabled = false }))
        {
            plain.SetDefaultTimeout((float)Deadline.TotalMilliseconds);
            await plain.RouteAsync("**/*", OnlyTheServiceAsync);
            var noScript = await plain.NewPageAsync();
            await noScript.GotoAsync("/login?returnUrl=%2Fsilences");
            await noScript.Locator("#login-name").FillAsync("wang");
            await noScript.Locator("#login-password").FillAsync(AuthClient.Password);
            await noScript.Locator("#login-password").PressAsync("Enter");
            await Assertions.Expect(noScript).ToHaveURLAsync(new Regex(@"^[^?#]+//[^/]+/silences(\?.*)?$"));
            await Assertions.Expect(noScript.Locator("#live-state")).ToHaveTextAsync("not live (reload for news)");
            await noScript.Locator("tr.silence-row.state-active button.danger").ClickAsync();
            await Assertions.Expect(noScript).ToHaveURLAsync(new Regex(@"[?&]done=expire(&|$)"));
            await Assertions.Expect(noScript.Locator("tr.silence-row.state-expired")).ToHaveCountAsync(1);
            await Assertions.Expect(noScript.Locator(".flash.done")).ToHaveTextAsync("Silence expired.");
        }

        // axe-core, injected by Playwright (it is in the package, nothing is fetched): no serious or critical violation.
        await page.GotoAsync("/?lang=en");
        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Take(3).Select(n => n.Html))})").ToList();
        Assert.True(serious.Count == 0, "accessibility: " + string.Join(" | ", serious));

        Assert.True(offOrigin.IsEmpty, "requests off the service's origin: " + string.Join(", ", offOrigin));
        Assert.True(!consoleErrors.Any(e => e.Contains("Content Security Policy", StringComparison.Ordinal)), "CSP violations: " + string.Join(" | ", consoleErrors));
    }

    public void Dispose() => File.Delete(_rules);
}
