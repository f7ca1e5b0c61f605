using System.CommandLine;
using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Cli;

/// <summary><c>--username</c>, <c>--password</c>, <c>--password-file</c> and <see cref="PasswordVariable"/> (README "Credentials").</summary>
internal static partial class FleetCommand
{
    /// <summary>The password when neither <c>--password</c> nor <c>--password-file</c> is given, so it need not sit on a command line.</summary>
    public const string PasswordVariable = "FIRMWARE_SIM_MQTT_PASSWORD";

    /// <summary>Adds the options to <paramref name="command"/>; the result turns them into <see cref="MqttCredentials"/>.</summary>
    private static CredentialOptions AddCredentialOptions(Command command)
    {
        var credentials = new CredentialOptions(
            new Option<string?>("--username")
            {
                Description = $"MQTT user name; {MqttCredentials.DevicePlaceholder} stands for each node's device name, the shipped ACL's login. Default: anonymous",
                HelpName = "name",
            },
            new Option<string?>("--password")
            {
                Description = $"MQTT password; other local users can read a command line, prefer --password-file or {PasswordVariable}",
                HelpName = "secret",
            },
            new Option<string?>("--password-file")
            {
                Description = "Read the MQTT password from the first line of this file",
                HelpName = "path",
            });

        command.Validators.Add(result =>
        {
            var password = result.GetResult(credentials.Password) is not null;
            var file = result.GetResult(credentials.PasswordFile) is not null;
            if (password && file)
            {
                result.AddError("--password and --password-file exclude each other.");
            }
            else if ((password || file) && result.GetResult(credentials.Username) is null)
            {
                result.AddError("--password and --password-file need --username.");
            }
        });

        command.Options.Add(credentials.Username);
        command.Options.Add(credentials.Password);
        command.Options.Add(credentials.PasswordFile);
        return credentials;
    }

    private sealed record CredentialOptions(Option<string?> Username, Option<string?> Password, Option<string?> PasswordFile)
    {
        /// <summary>
        /// The login, null for anonymous; false after writing the problem to <paramref name="error"/>
        /// (a user name without a password, an unreadable or empty password file).
        /// </summary>
        public bool TryResolve(ParseResult parseResult, TextWriter error, out MqttCredentials? credentials)
        {
            credentials = null;
            var username = parseResult.GetValue(Username);
            if (username is null)
            {
                return true;
            }

            if (string.IsNullOrWhiteSpace(username))
            {
                error.WriteLine("error: --username is empty.");
                return false;
            }

            string? password;
            if (parseResult.GetValue(PasswordFile) is { } path)
            {
                try
                {
                    password = File.ReadLines(path).FirstOrDefault();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"error: cannot read --password-file {path}: {ex.Message}");
                    return false;
                }
            }
            else
            {
                password = parseResult.GetValue(Password) ?? Environment.GetEnvironmentVariable(PasswordVariable);
            }

            if (string.IsNullOrEmpty(password))
            {
                // The password itself is never written, only where it was looked for.
                error.WriteLine($"error: --username {username} needs a password: --password-file, {PasswordVariable} or --password (none given, or empty).");
                return false;
            }

            credentials = new MqttCredentials(username, password);
            return true;
        }
    }
}
