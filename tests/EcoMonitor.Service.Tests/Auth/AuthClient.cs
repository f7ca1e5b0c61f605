using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EcoMonitor.Service.Auth;
using EcoMonitor.Service.Tests.Fixtures;
using Microsoft.AspNetCore.Identity;

namespace EcoMonitor.Service.Tests.Auth;

/// <summary>A browser's view of the service: cookies kept, redirects not followed, the antiforgery token read from a form.</summary>
internal sealed partial class AuthClient : IDisposable
{
    public const string Token = "api-token-0123456789abcdef";
    public const string Password = "correct horse battery staple";

    /// <summary>One hash for every service of a test run: a new salt would be a new password to a session (its stamp).</summary>
    public static readonly string PasswordHash = Hash(Password);

    private readonly HttpClientHandler _handler;

    /// <param name="cookies">Shared to keep a session across clients (a restarted service).</param>
    public AuthClient(Uri baseAddress, CookieContainer? cookies = null)
    {
        _handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = cookies ?? new CookieContainer() };
        Http = new HttpClient(_handler) { BaseAddress = baseAddress };
    }

    public HttpClient Http { get; }

    public CookieContainer Cookies => _handler.CookieContainer;

    /// <summary>A service with an officer <c>wang</c> and a viewer <c>zhao</c> (both <see cref="Password"/>), the API token, and reading behind a login.</summary>
    public static Task<ServiceUnderTest> StartServiceAsync(Servers servers, string site, CancellationToken ct, params string[] extra) =>
        ServiceUnderTest.StartAsync(servers, site, ct,
        [
            "--Ui:AnonymousView=false",
            $"--Api:Token={Token}",
            "--Auth:Users:0:Name=wang", "--Auth:Users:0:Role=officer", $"--Auth:Users:0:PasswordHash={PasswordHash}",
            "--Auth:Users:1:Name=zhao", "--Auth:Users:1:Role=viewer", $"--Auth:Users:1:PasswordHash={PasswordHash}",
            .. extra,
        ]);

    public static string Hash(string password) => new PasswordHasher<object>().HashPassword(new object(), password);

    /// <summary>The antiforgery token of the form at <paramref name="path"/> (the login form by default).</summary>
    public async Task<string> FormTokenAsync(CancellationToken ct, string path = LoginEndpoints.LoginPath)
    {
        var html = await Http.GetStringAsync(new Uri(path, UriKind.Relative), ct);
        return TokenField().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups["value"].Value) : throw new InvalidOperationException($"no antiforgery field in {path}: {html}");
    }

    public async Task<HttpResponseMessage> LoginAsync(string name, string password, CancellationToken ct, string returnUrl = "/", string? token = null)
    {
        token ??= await FormTokenAsync(ct);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = name,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = token,
        });
        return await Http.PostAsync(new Uri(LoginEndpoints.LoginPath, UriKind.Relative), form, ct);
    }

    /// <summary>A JSON write: with the API token when <paramref name="bearer"/> is given, with the session's antiforgery header when <paramref name="antiforgery"/> is.</summary>
    public async Task<HttpResponseMessage> PostJsonAsync(string path, object? body, CancellationToken ct, string? bearer = null, string? antiforgery = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (antiforgery is not null)
        {
            request.Headers.Add("RequestVerificationToken", antiforgery);
        }

        return await Http.SendAsync(request, ct);
    }

    public void Dispose()
    {
        Http.Dispose();
        _handler.Dispose();
    }

    [GeneratedRegex("""name="__RequestVerificationToken"[^>]*value="(?<value>[^"]+)"|value="(?<value>[^"]+)"[^>]*name="__RequestVerificationToken" """)]
    private static partial Regex TokenField();
}
