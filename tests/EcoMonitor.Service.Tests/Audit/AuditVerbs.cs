using System.CommandLine;
using EcoMonitor.Service.Cli;
using Microsoft.Extensions.Configuration;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>The <c>audit</c> verbs as the command line runs them, their output captured.</summary>
internal static class AuditVerbs
{
    /// <summary>Runs <paramref name="args"/> (<c>audit …</c>); the verbs' configuration is their <c>--Key=Value</c> tokens, as the host would take them.</summary>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string[] args, CancellationToken ct)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var root = new RootCommand { AuditCommand.Create(tokens => new ConfigurationBuilder().AddCommandLine([.. tokens]).Build()) };
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct);
        return (exit, output.ToString(), error.ToString());
    }
}
