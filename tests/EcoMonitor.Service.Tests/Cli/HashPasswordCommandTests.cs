using System.CommandLine;
using EcoMonitor.Service.Auth;
using EcoMonitor.Service.Cli;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Tests.Cli;

/// <summary><c>hash-password</c>: a line on stdin becomes a hash that verifies and that <c>Auth:Users</c> accepts.</summary>
public sealed class HashPasswordCommandTests
{
    [Fact]
    public async Task A_password_on_stdin_prints_a_v3_hash_that_verifies_and_is_accepted_as_a_user()
    {
        var (exit, output, error) = await RunAsync("a long passphrase 密码\n");

        Assert.Equal(0, exit);
        Assert.Empty(error);
        var hash = output.Trim();
        Assert.DoesNotContain('\n', hash);
        var hasher = new PasswordHasher<object>();
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(new object(), hash, "a long passphrase 密码"));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(new object(), hash, "a long passphrase"));
        Assert.Equal(0x01, Convert.FromBase64String(hash)[0]);

        var options = new AuthOptions { Users = [new AuthUserOptions { Name = "wang", Role = AuthPolicies.OfficerRole, PasswordHash = hash }] };
        Assert.True(new AuthOptionsValidator().Validate(null, options).Succeeded);
        Assert.NotNull(new UserDirectory(Options.Create(options)).Verify("WANG", "a long passphrase 密码"));
    }

    [Fact]
    public async Task The_same_password_hashes_differently_each_time()
    {
        var first = (await RunAsync("same password\n")).Output;
        var second = (await RunAsync("same password\n")).Output;

        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("short\n")]
    public async Task Empty_or_short_input_exits_1_with_the_reason_and_prints_no_hash(string stdin)
    {
        var (exit, output, error) = await RunAsync(stdin);

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.StartsWith("error:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_given_as_an_argument_is_refused()
    {
        var (exit, output, _) = await RunAsync("ignored password\n", "hunter2-on-the-command-line");

        Assert.NotEqual(0, exit);
        Assert.DoesNotContain("AQAAAA", output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string stdin, params string[] extra)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var root = new RootCommand { HashPasswordCommand.Create(() => new StringReader(stdin)) };
        var exit = await root.Parse(["hash-password", .. extra])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
