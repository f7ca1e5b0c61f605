using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Auth;

/// <summary>Section <c>Auth</c>: the users of the page and their sessions (docs/auth.md).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The users; each with a name, a <c>hash-password</c> hash and a role.</summary>
    public List<AuthUserOptions> Users { get; set; } = [];

    /// <summary>A file of further users, one <c>name:role:hash</c> a line (docs/auth.md#the-users-file); read at start.</summary>
    public string? UsersFile { get; set; }

    /// <summary>How long a login lasts without use; each request renews it (sliding).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Failed logins of one name within <see cref="LockoutWindow"/> that lock it.</summary>
    public int MaxFailedLogins { get; set; } = 5;

    /// <summary>The window failures are counted in, and how long a locked name stays locked.</summary>
    public TimeSpan LockoutWindow { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>One entry of <c>Auth:Users</c>.</summary>
public sealed class AuthUserOptions
{
    public string? Name { get; set; }

    /// <summary>ASP.NET Core Identity's <c>PasswordHasher</c> v3 hash, as <c>hash-password</c> prints it.</summary>
    public string? PasswordHash { get; set; }

    /// <summary><c>viewer</c> or <c>officer</c>.</summary>
    public string? Role { get; set; }
}

internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public static readonly TimeSpan MinSessionLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MaxSessionLifetime = TimeSpan.FromDays(7);
    public static readonly TimeSpan MinLockoutWindow = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxLockoutWindow = TimeSpan.FromDays(1);
    public const int MaxMaxFailedLogins = 100;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.SessionLifetime < MinSessionLifetime || options.SessionLifetime > MaxSessionLifetime)
        {
            problems.Add($"Auth:SessionLifetime must be between {MinSessionLifetime} and {MaxSessionLifetime}.");
        }

        if (options.MaxFailedLogins is < 1 or > MaxMaxFailedLogins)
        {
            problems.Add($"Auth:MaxFailedLogins must be between 1 and {MaxMaxFailedLogins}.");
        }

        if (options.LockoutWindow < MinLockoutWindow || options.LockoutWindow > MaxLockoutWindow)
        {
            problems.Add($"Auth:LockoutWindow must be between {MinLockoutWindow} and {MaxLockoutWindow}.");
        }

        problems.AddRange(AuthAccounts.Load(options).Problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
