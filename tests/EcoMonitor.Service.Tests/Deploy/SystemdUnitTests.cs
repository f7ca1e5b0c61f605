using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.Deploy;

/// <summary>
/// deploy/systemd/ecomonitor.service passes <c>systemd-analyze verify</c> and keeps its hardening
/// (deploy/systemd/README.md).
/// </summary>
public sealed class SystemdUnitTests
{
    private const string ShippedDotnet = "/usr/bin/dotnet";
    private const string ShippedDll = "/opt/ecomonitor/EcoMonitor.Service.dll";

    private static string UnitFile => Path.Combine(ServiceProcess.RepositoryRoot().FullName, "deploy", "systemd", "ecomonitor.service");

    [Fact(Timeout = 120_000)]
    public async Task The_unit_passes_systemd_analyze_verify_without_warnings()
    {
        // verify checks that ExecStart's program exists: a copy points at this machine's dotnet
        // and the service just built, under the shipped unit name.
        var shipped = await File.ReadAllTextAsync(UnitFile, TestContext.Current.CancellationToken);
        Assert.Contains(ShippedDotnet, shipped, StringComparison.Ordinal);
        Assert.Contains(ShippedDll, shipped, StringComparison.Ordinal);
        var directory = Directory.CreateTempSubdirectory("ecomonitor-systemd-");
        try
        {
            var unit = Path.Combine(directory.FullName, "ecomonitor.service");
            await File.WriteAllTextAsync(
                unit,
                shipped.Replace(ShippedDotnet, ServerBinaries.Find("dotnet"), StringComparison.Ordinal)
                    .Replace(ShippedDll, ServiceProcess.FindServiceDll(), StringComparison.Ordinal),
                TestContext.Current.CancellationToken);

            await using var verify = ServerProcess.Start(ServerBinaries.Find("systemd-analyze"), ["verify", unit]);
            Assert.True(await verify.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"systemd-analyze verify did not finish within 60 s: {verify.Output}");
            Assert.True(verify.ExitCode == 0, $"systemd-analyze verify exited {verify.ExitCode}: {verify.Output}");
            // Unknown keys and bad values are only warnings (exit 0), each naming the unit file.
            var warnings = verify.Output.Split('\n').Where(line => line.Contains("ecomonitor.service", StringComparison.Ordinal)).ToList();
            Assert.True(warnings.Count == 0, $"systemd-analyze verify warned: {string.Join('\n', warnings)}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("Type", "notify")]
    [InlineData("User", "ecomonitor")]
    [InlineData("StateDirectory", "ecomonitor")]
    [InlineData("ProtectSystem", "strict")]
    [InlineData("ReadWritePaths", "/var/lib/ecomonitor")]
    [InlineData("NoNewPrivileges", "yes")]
    [InlineData("PrivateTmp", "yes")]
    [InlineData("ProtectHome", "yes")]
    [InlineData("ProtectKernelTunables", "yes")]
    [InlineData("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX")]
    [InlineData("LockPersonality", "yes")]
    public void The_unit_sets(string key, string value)
    {
        var settings = Settings();
        Assert.True(settings.TryGetValue(key, out var actual), $"{key} is not set in {UnitFile}");
        Assert.Equal(value, actual);
    }

    [Fact]
    public void The_data_directory_is_the_state_directory_and_the_one_writable_path()
    {
        var settings = Settings();
        Assert.Contains("--DataDirectory=/var/lib/" + settings["StateDirectory"], settings["ExecStart"], StringComparison.Ordinal);
        Assert.Equal("/var/lib/" + settings["StateDirectory"], settings["ReadWritePaths"]);
        // The .NET JIT needs writable and executable memory.
        Assert.False(settings.ContainsKey("MemoryDenyWriteExecute"));
    }

    private static Dictionary<string, string> Settings() =>
        File.ReadLines(UnitFile)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#') && !line.StartsWith('[') && line.Contains('=', StringComparison.Ordinal))
            .Select(line => line.Split('=', 2))
            .GroupBy(parts => parts[0], StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Last()[1], StringComparer.Ordinal);
}
