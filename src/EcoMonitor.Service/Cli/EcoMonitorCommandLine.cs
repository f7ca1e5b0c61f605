using System.CommandLine;
using EcoMonitor.Service.Hosting;

namespace EcoMonitor.Service.Cli;

/// <summary>
/// The verbs of docs/cli.md#verbs. With no verb, or <c>run</c>, the service runs; tokens the parser does
/// not know (<c>--Mqtt:Host=broker</c>) are handed to .NET configuration as usual.
/// </summary>
public static class EcoMonitorCommandLine
{
    public static RootCommand Create(string[] args)
    {
        var root = new RootCommand("EcoMonitor: MQTT sensor readings into InfluxDB, with dead letters for what is refused")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        var run = new Command("run", "Run the service (the default)") { TreatUnmatchedTokensAsErrors = false };
        run.SetAction((parse, ct) => RunAsync(parse.UnmatchedTokens, ct));
        root.SetAction((parse, ct) => RunAsync(parse.UnmatchedTokens, ct));
        root.Add(run);
        root.Add(DecodeCommand.Create(() => LoadConfiguration(args)));
        root.Add(AqiCommand.Create());
        root.Add(CheckConfigCommand.Create());
        root.Add(HashPasswordCommand.Create());
        root.Add(AuditCommand.Create());
        return root;
    }

    private static async Task<int> RunAsync(IReadOnlyList<string> configurationArgs, CancellationToken cancellationToken)
    {
        var app = EcoMonitorHost.Build([.. configurationArgs]);

        // Taken before running: the host disposes its services when it stops.
        var components = app.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
        await app.RunAsync(cancellationToken);

        // A component that failed stopped the host: exit non-zero so a supervisor restarts us.
        return components.Any(s => s.ExecuteTask is { IsFaulted: true }) ? 1 : 0;
    }

    /// <summary>The configuration the service would read, for verbs that run without a host.</summary>
    private static IConfiguration LoadConfiguration(string[] args) =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
}
