namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>Finds the real servers the tests run against; a missing one is an error, never a skip.</summary>
public static class ServerBinaries
{
    public const string SetupHint =
        "install the test servers with deploy/local/test.sh (or: apt-get install -y mosquitto mosquitto-clients victoria-metrics influxdb prometheus-alertmanager python3-aiosmtpd)";

    public static string Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var candidates = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"]);
        foreach (var directory in candidates)
        {
            var file = Path.Combine(directory, name);
            if (File.Exists(file))
            {
                return file;
            }
        }

        throw new InvalidOperationException($"'{name}' was not found on this machine: {SetupHint}.");
    }
}
