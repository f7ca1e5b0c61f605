using System.CommandLine;
using EcoMonitor.FirmwareSim.Cli;
using EcoMonitor.FirmwareSim.Fleet;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Cli;

/// <summary>
/// <c>--username</c>, <c>--password</c> and <c>--password-file</c> refused before any connection when
/// they cannot make a login (README "Credentials"); the broker side is in EcoMonitor.Service.Tests,
/// FirmwareSim/SimulatorCredentialsTests.cs.
/// </summary>
public sealed class CredentialsTests
{
    [Theory]
    [InlineData("--password", "secret")]
    [InlineData("--password-file", "some-file")]
    [InlineData("--username", "u", "--password", "secret", "--password-file", "some-file")]
    [InlineData("load", "--password", "secret")]
    public void Passwords_without_a_user_name_or_from_two_places_are_usage_errors(params string[] args) =>
        Assert.NotEmpty(FleetCommand.Create(TimeProvider.System).Parse(args).Errors);

    [Theory]
    [InlineData("--username", "air-01", "--password-file", "missing")]
    [InlineData("--username", "air-01", "--password-file", "empty")]
    [InlineData("--username", " ", "--password", "secret")]
    [InlineData("load", "--username", "{device}", "--password", "secret")]
    public async Task Logins_that_cannot_work_are_usage_errors_before_connecting(params string[] args)
    {
        var directory = Directory.CreateTempSubdirectory("firmware-sim-credentials-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "empty"), string.Empty, TestContext.Current.CancellationToken);
            var files = args.Select(a => a is "missing" or "empty" ? Path.Combine(directory.FullName, a) : a).ToArray();
            // Port 1 of loopback: were it reached, the run would fail with exit code 1 instead.
            var (exit, error) = await InvokeAsync([.. files, "--port", "1", "--duration", "1s"]);
            Assert.True(exit == FleetCommand.UsageError, error);
            Assert.StartsWith("error: ", error, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_user_name_template_names_each_device_and_the_password_is_never_shown()
    {
        var credentials = new MqttCredentials("{device}", "secret");
        var node = new NodeIdentity(0, "site-01", "air", "air-01", "sim-site-01-air-01");
        Assert.True(credentials.IsPerDevice);
        Assert.Equal("air-01", credentials.UsernameOf(node));
        Assert.Equal("shared", new MqttCredentials("shared", "secret").UsernameOf(node));
        Assert.DoesNotContain("secret", credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", new FleetOptions { Credentials = credentials }.ToString(), StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Error)> InvokeAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await FleetCommand.Create(TimeProvider.System).Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, TestContext.Current.CancellationToken);
        return (exit, error.ToString());
    }
}
