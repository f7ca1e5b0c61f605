using EcoMonitor.Service.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Tests.Auth;

/// <summary>The users as configured: what start refuses, the users file, and the password check.</summary>
public sealed class AuthAccountsTests : IDisposable
{
    private static readonly string Hash = AuthClient.Hash(AuthClient.Password);
    private readonly string _file = Path.GetTempFileName();

    [Fact]
    public void Good_users_from_the_configuration_and_the_file_are_accepted()
    {
        File.WriteAllLines(_file, ["# officers of the station", "", $"li.na:officer:{Hash}", $"王芳:viewer:{Hash}"]);
        var options = Options([("wang", "officer", Hash)], usersFile: _file);

        Assert.True(new AuthOptionsValidator().Validate(null, options).Succeeded);
        var users = new UserDirectory(Microsoft.Extensions.Options.Options.Create(options));
        Assert.Equal(3, users.Count);
        Assert.Equal("li.na", users.Verify("LI.NA", AuthClient.Password)?.Name);
        Assert.Equal(AuthPolicies.ViewerRole, users.Verify("王芳", AuthClient.Password)?.Role);
        Assert.Null(users.Verify("wang", "wrong"));
        Assert.Null(users.Verify("nobody", AuthClient.Password));
    }

    [Theory]
    [InlineData("wang", "admin", "Role must be")]
    [InlineData("", "officer", "Name must be")]
    [InlineData("has space", "officer", "Name must be")]
    [InlineData("a-name-that-is-far-too-long-for-anyone-to-type-at-a-login-form-xx", "officer", "Name must be")]
    public void A_bad_name_or_role_is_refused_with_its_place(string name, string role, string reason)
    {
        var result = new AuthOptionsValidator().Validate(null, Options([("ok", "viewer", Hash), (name, role, Hash)]));

        Assert.True(result.Failed);
        Assert.Contains($"Auth:Users:1: {reason}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_used_twice_ignoring_case_is_refused()
    {
        var result = new AuthOptionsValidator().Validate(null, Options([("Wang", "viewer", Hash), ("wang", "officer", Hash)]));

        Assert.Contains("used twice", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "missing")]
    [InlineData("not base64!", "not base64")]
    [InlineData("AQIDBA==", "not in the PasswordHasher v3 format")]
    public void A_hash_the_hasher_cannot_read_is_refused(string hash, string reason)
    {
        var result = new AuthOptionsValidator().Validate(null, Options([("wang", "officer", hash)]));

        Assert.Contains(reason, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_v2_hash_or_a_v3_hash_with_few_iterations_is_refused()
    {
        var v2 = new PasswordHasher<object>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 })).HashPassword(new object(), "p");
        var cheap = new PasswordHasher<object>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { IterationCount = 1000 })).HashPassword(new object(), "p");

        Assert.Contains("v2 format", AuthAccounts.HashProblem(v2), StringComparison.Ordinal);
        Assert.Contains("1000 iterations", AuthAccounts.HashProblem(cheap), StringComparison.Ordinal);
        Assert.Null(AuthAccounts.HashProblem(Hash));
    }

    [Fact]
    public void A_missing_or_malformed_users_file_and_out_of_range_times_are_refused()
    {
        File.WriteAllLines(_file, ["wang:officer"]);
        var malformed = new AuthOptionsValidator().Validate(null, Options([], usersFile: _file));
        var missing = new AuthOptionsValidator().Validate(null, Options([], usersFile: _file + ".absent"));
        var times = new AuthOptionsValidator().Validate(null, new AuthOptions { SessionLifetime = TimeSpan.FromDays(30), LockoutWindow = TimeSpan.Zero, MaxFailedLogins = 0 });

        Assert.Contains("line 1: expected name:role:hash", malformed.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Auth:SessionLifetime", times.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Auth:LockoutWindow", times.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Auth:MaxFailedLogins", times.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_name_costs_a_hash_check_as_a_known_one_does()
    {
        var users = new UserDirectory(Microsoft.Extensions.Options.Options.Create(Options([("wang", "officer", Hash)])));
        users.Verify("wang", "warm-up");

        // Interleaved, the median of several: a loaded machine slows both alike. Without the dummy hash an
        // unknown name would answer in microseconds, not a large fraction of a PBKDF2 check.
        var known = new List<TimeSpan>();
        var unknown = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            known.Add(Time(() => users.Verify("wang", "wrong password")));
            unknown.Add(Time(() => users.Verify("nobody-at-all", "wrong password")));
        }

        Assert.True(Median(unknown) > Median(known) * 0.3, $"unknown {Median(unknown)}, known {Median(known)}");
    }

    public void Dispose() => File.Delete(_file);

    private static TimeSpan Time(Action action)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        action();
        return System.Diagnostics.Stopwatch.GetElapsedTime(start);
    }

    private static TimeSpan Median(List<TimeSpan> values) => values.Order().ElementAt(values.Count / 2);

    private static AuthOptions Options((string Name, string Role, string Hash)[] users, string? usersFile = null) => new()
    {
        Users = [.. users.Select(u => new AuthUserOptions { Name = u.Name, Role = u.Role, PasswordHash = u.Hash })],
        UsersFile = usersFile,
    };
}
