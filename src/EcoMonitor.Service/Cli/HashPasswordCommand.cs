using System.CommandLine;
using System.Text;
using Microsoft.AspNetCore.Identity;

namespace EcoMonitor.Service.Cli;

/// <summary>
/// <c>hash-password</c> (docs/cli.md#hash-password): reads one password from stdin and prints its
/// <see cref="PasswordHasher{TUser}"/> hash (v3: PBKDF2-HMAC-SHA512, salted) for <c>Auth:Users</c>. Never from the
/// command line, which other users of the machine see in <c>ps</c>. On a terminal it reads without echo, twice.
/// </summary>
public static class HashPasswordCommand
{
    public const int Hashed = 0;
    public const int BadInput = 1;

    /// <summary>Shorter passwords fall to guessing whatever the hash (NIST SP 800-63B's floor).</summary>
    public const int MinLength = 8;

    /// <summary>As long as the login form accepts.</summary>
    public const int MaxLength = 1024;

    /// <param name="input">The password source; by default stdin (without echo when it is a terminal).</param>
    public static Command Create(Func<TextReader>? input = null)
    {
        var command = new Command("hash-password", "Read a password from stdin (one line) and print its hash for Auth:Users");
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            string? password;
            if (input is null && !Console.IsInputRedirected)
            {
                password = ReadHidden(error, "Password: ");
                if (password is not null && ReadHidden(error, "Again: ") != password)
                {
                    await error.WriteLineAsync("error: the two passwords differ");
                    return BadInput;
                }
            }
            else
            {
                password = await (input?.Invoke() ?? Console.In).ReadLineAsync(ct);
            }

            if (string.IsNullOrEmpty(password))
            {
                await error.WriteLineAsync("error: no password on stdin; give it as one line, e.g. `read -rs p; printf '%s\\n' \"$p\" | ecomonitor hash-password`");
                return BadInput;
            }

            if (password.Length < MinLength || password.Length > MaxLength)
            {
                await error.WriteLineAsync($"error: the password must have {MinLength} to {MaxLength} characters");
                return BadInput;
            }

            await output.WriteLineAsync(new PasswordHasher<object>().HashPassword(new object(), password));
            return Hashed;
        });
        return command;
    }

    private static string? ReadHidden(TextWriter prompt, string text)
    {
        prompt.Write(text);
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                prompt.WriteLine();
                return password.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                password.Length = Math.Max(0, password.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }
}
