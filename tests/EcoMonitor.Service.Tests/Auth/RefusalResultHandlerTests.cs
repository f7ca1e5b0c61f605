using System.Text.Json;
using EcoMonitor.Runtime.Telemetry;
using EcoMonitor.Service.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace EcoMonitor.Service.Tests.Auth;

/// <summary>What a refusal looks like where: a redirect to the form on the page, htmx sent there whole, a problem on /api.</summary>
public sealed class RefusalResultHandlerTests : IAsyncDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddLogging()
        .AddSingleton<RuntimeMetrics>()
        .AddEcoMonitorAuth(new ConfigurationBuilder().Build())
        .BuildServiceProvider();

    [Fact]
    public async Task A_page_request_without_a_login_is_redirected_to_the_form_with_its_address()
    {
        var context = await HandleAsync("/alerts", "?site=s1", PolicyAuthorizationResult.Challenge());

        Assert.Equal(StatusCodes.Status302Found, context.Response.StatusCode);
        Assert.Equal("/login?returnUrl=%2Falerts%3Fsite%3Ds1", context.Response.Headers.Location.ToString());
    }

    [Fact]
    public async Task An_htmx_request_without_a_login_gets_a_401_that_sends_the_whole_page_to_the_form()
    {
        var context = await HandleAsync("/fragments/alerts", "", PolicyAuthorizationResult.Challenge(), htmx: true);

        Assert.Equal(StatusCodes.Status401Unauthorized, context.Response.StatusCode);
        Assert.Equal("/login?returnUrl=%2Ffragments%2Falerts", context.Response.Headers["HX-Redirect"].ToString());
    }

    [Fact]
    public async Task An_api_request_is_answered_with_a_problem_and_its_reason_never_a_redirect()
    {
        var challenged = await HandleAsync("/api/sensors", "", PolicyAuthorizationResult.Challenge());
        var forbidden = await HandleAsync("/api/alerts/x/ack", "", PolicyAuthorizationResult.Forbid());

        Assert.Equal(StatusCodes.Status401Unauthorized, challenged.Response.StatusCode);
        Assert.Equal("Bearer realm=\"ecomonitor\"", challenged.Response.Headers.WWWAuthenticate.ToString());
        Assert.Equal(AuthRefusals.NoCredentials, Reason(challenged));
        Assert.Equal(StatusCodes.Status403Forbidden, forbidden.Response.StatusCode);
        Assert.Equal(AuthRefusals.NotOfficer, Reason(forbidden));
        Assert.Equal(0, challenged.Response.Headers.Location.Count);
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private async Task<DefaultHttpContext> HandleAsync(string path, string query, PolicyAuthorizationResult result, bool htmx = false)
    {
        var context = new DefaultHttpContext { RequestServices = _services.CreateScope().ServiceProvider };
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Response.Body = new MemoryStream();
        if (htmx)
        {
            context.Request.Headers["HX-Request"] = "true";
        }

        var handler = _services.GetRequiredService<IAuthorizationMiddlewareResultHandler>();
        var policy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
        await handler.HandleAsync(_ => throw new InvalidOperationException("a refused request must not reach the endpoint"), context, policy, result);
        return context;
    }

    private static string? Reason(DefaultHttpContext context)
    {
        context.Response.Body.Position = 0;
        return JsonDocument.Parse(context.Response.Body).RootElement.GetProperty("reason").GetString();
    }
}
