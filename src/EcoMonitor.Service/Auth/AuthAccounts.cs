using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Auth;

/// <summary>A user of <c>Auth:Users</c> (or the users file), checked.</summary>
internal sealed record AuthAccount(string Name, string Role, string PasswordHash)
{
    /// <summary>Changes when the hash or the role changes, so that a session made before no longer counts (docs/auth.md#sessions).</summary>
    public string Stamp { get; } = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Role + "\n" + PasswordHash)), 0, 8);

    public bool IsOfficer => Role == AuthPolicies.OfficerRole;
}

/// <summary>Reads and checks the users of <see cref="AuthOptions"/>: names, roles, hashes (docs/auth.md#users).</summary>
internal static partial class AuthAccounts
{
    public const int MaxNameLength = 64;

    /// <summary>More would be a directory, not a station's officers; also bounds what start reads.</summary>
    public const int MaxUsers = 1000;

    /// <summary>The users, and every problem with them (empty when they can be used).</summary>
    public static (IReadOnlyList<AuthAccount> Accounts, IReadOnlyList<string> Problems) Load(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var entries = options.Users.Select((u, i) => (Where: $"Auth:Users:{i}", u.Name, u.Role, u.PasswordHash)).ToList();
        if (!string.IsNullOrEmpty(options.UsersFile))
        {
            entries.AddRange(ReadFile(options.UsersFile, problems));
        }

        if (entries.Count > MaxUsers)
        {
            problems.Add($"Auth: {entries.Count} users; at most {MaxUsers}.");
            return ([], problems);
        }

        var accounts = new List<AuthAccount>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (where, name, role, hash) in entries)
        {
            var before = problems.Count;
            if (name is null || !NamePattern().IsMatch(name))
            {
                problems.Add($"{where}: Name must be 1–{MaxNameLength} letters, digits or . _ @ - (starting with a letter or digit).");
            }
            else if (!seen.Add(name))
            {
                problems.Add($"{where}: the name '{name}' is used twice (names are compared ignoring case).");
            }

            if (role is not (AuthPolicies.ViewerRole or AuthPolicies.OfficerRole))
            {
                problems.Add($"{where}: Role must be '{AuthPolicies.ViewerRole}' or '{AuthPolicies.OfficerRole}'.");
            }

            if (HashProblem(hash) is { } bad)
            {
                problems.Add($"{where}: PasswordHash {bad}; make one with `hash-password`.");
            }

            if (problems.Count == before)
            {
                accounts.Add(new AuthAccount(name!, role!, hash!));
            }
        }

        return (accounts, problems);
    }

    /// <summary>
    /// Why <paramref name="hash"/> is not a <see cref="PasswordHasher{TUser}"/> v3 hash, or null. The format
    /// (Identity's PasswordHasher.cs): 0x01, PRF, iteration count, salt length (each big-endian uint32), salt, subkey.
    /// </summary>
    public static string? HashProblem(string? hash)
    {
        if (string.IsNullOrWhiteSpace(hash))
        {
            return "is missing";
        }

        var bytes = new byte[hash.Length];
        if (!Convert.TryFromBase64String(hash.Trim(), bytes, out var length))
        {
            return "is not base64";
        }

        var data = bytes.AsSpan(0, length);
        if (data.Length > 0 && data[0] == 0x00)
        {
            return "is in the v2 format (PBKDF2-SHA1, 1000 iterations), too weak";
        }

        if (data.Length < 13 || data[0] != 0x01)
        {
            return "is not in the PasswordHasher v3 format";
        }

        var prf = BinaryPrimitives.ReadUInt32BigEndian(data[1..]);
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(data[5..]);
        var saltLength = BinaryPrimitives.ReadUInt32BigEndian(data[9..]);
        if (prf > (uint)KeyDerivationPrfV3.HmacSha512)
        {
            return "names an unknown PRF";
        }

        if (iterations < MinIterations)
        {
            return $"has {iterations} iterations; at least {MinIterations}";
        }

        return saltLength < 16 || data.Length - 13 - saltLength < 16 ? "has a salt or subkey shorter than 128 bits" : null;
    }

    /// <summary>OWASP's floor for PBKDF2-HMAC-SHA256 is far above; this only refuses a hash made to be cheap.</summary>
    public const int MinIterations = 10_000;

    private static IEnumerable<(string Where, string? Name, string? Role, string? Hash)> ReadFile(string path, List<string> problems)
    {
        string[] lines;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                problems.Add($"Auth:UsersFile '{path}' does not exist.");
                return [];
            }

            if (info.Length > MaxUsers * 512)
            {
                problems.Add($"Auth:UsersFile '{path}' is larger than {MaxUsers * 512} bytes.");
                return [];
            }

            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems.Add($"Auth:UsersFile '{path}' cannot be read: {ex.Message}");
            return [];
        }

        var entries = new List<(string, string?, string?, string?)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                problems.Add($"Auth:UsersFile line {i + 1}: expected name:role:hash.");
                continue;
            }

            entries.Add(($"Auth:UsersFile line {i + 1}", parts[0].Trim(), parts[1].Trim(), parts[2].Trim()));
        }

        return entries;
    }

    // The PRF numbers of the v3 format.
    private enum KeyDerivationPrfV3 : uint
    {
        HmacSha1 = 0,
        HmacSha256 = 1,
        HmacSha512 = 2,
    }

    [GeneratedRegex(@"^[\p{L}\p{N}][\p{L}\p{N}._@-]{0,63}$")]
    private static partial Regex NamePattern();
}

/// <summary>The users in force, and the check of a password that costs the same for a name that is not one of them.</summary>
internal sealed class UserDirectory
{
    private readonly Dictionary<string, AuthAccount> _accounts;
    private readonly PasswordHasher<AuthAccount> _hasher = new();
    private readonly string _dummyHash;
    private readonly AuthAccount _dummy = new("-", AuthPolicies.ViewerRole, "-");

    public UserDirectory(IOptions<AuthOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _accounts = AuthAccounts.Load(options.Value).Accounts.ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);

        // A random password nobody knows, hashed with the hasher's own (current) parameters.
        _dummyHash = _hasher.HashPassword(_dummy, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
    }

    public int Count => _accounts.Count;

    public AuthAccount? Find(string? name) => name is not null && _accounts.TryGetValue(name, out var a) ? a : null;

    /// <summary>The account when <paramref name="password"/> is its password; an unknown name is checked against a dummy hash, so both take as long.</summary>
    public AuthAccount? Verify(string name, string password)
    {
        var account = Find(name);
        var result = _hasher.VerifyHashedPassword(account ?? _dummy, account?.PasswordHash ?? _dummyHash, password);
        return account is not null && result != PasswordVerificationResult.Failed ? account : null;
    }
}
