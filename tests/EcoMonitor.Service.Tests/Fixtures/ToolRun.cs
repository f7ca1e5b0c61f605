using System.Diagnostics;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// A command-line tool run to its end with its output captured (docker-compose, promtool, the simulator).
/// A server that keeps running is a <see cref="ServerProcess"/> instead.
/// </summary>
internal sealed record ToolRun(int ExitCode, string StandardOutput, string StandardError)
{
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(60);

    /// <summary>Both streams, stdout first: what a failed assertion shows.</summary>
    public string Output => StandardOutput + StandardError;

    /// <summary>
    /// Runs <paramref name="fileName"/> and waits up to <paramref name="deadline"/> (default 60 s); a tool still
    /// running then is killed and this throws. In <paramref name="environment"/> a null value removes the variable.
    /// </summary>
    public static async Task<ToolRun> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? stdin = null,
        TimeSpan? deadline = null,
        CancellationToken cancellationToken = default)
    {
        var start = StartInfo(fileName, arguments, workingDirectory);
        start.RedirectStandardInput = true;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(deadline ?? DefaultDeadline, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)} did not finish in time", ex);
        }

        // The output is not logged here: docker-compose config prints the secrets it was given.
        TestContext.Current.TestOutputHelper?.WriteLine($"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)}: exit {process.ExitCode}");
        return new ToolRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <paramref name="fileName"/> directly (no shell), stdout and stderr redirected; shared with <see cref="ServerProcess"/>.</summary>
    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, string? workingDirectory)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
