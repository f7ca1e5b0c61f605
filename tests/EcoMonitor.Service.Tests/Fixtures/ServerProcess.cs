using System.Diagnostics;
using System.Text;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>A server started as a child process, its output kept (bounded) for diagnostics.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int MaxOutputChars = 64 * 1024;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    /// <summary>The exit code; only once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ServerProcess Start(string fileName, IEnumerable<string> arguments) => Start(fileName, arguments, workingDirectory: null);

    public static ServerProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory)
    {
        var process = new Process { StartInfo = ToolRun.StartInfo(fileName, arguments, workingDirectory) };
        var server = new ServerProcess(process);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Stops at once (SIGKILL), as a crash or an OOM kill would.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Sends SIGTERM without waiting; false if the process had already exited.</summary>
    public bool SendTerminate() => !_process.HasExited && PosixSignals.Send(_process.Id, PosixSignals.SigTerm);

    /// <summary>
    /// Stops gracefully (SIGTERM) and waits up to <paramref name="timeout"/>. If it is still
    /// running then, it is killed and this throws: a server that ignores SIGTERM is a finding.
    /// </summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        SendTerminate();
        if (!await WaitForExitAsync(timeout))
        {
            await StopAsync();
            throw new TimeoutException($"{_process.StartInfo.FileName} did not exit within {timeout} of SIGTERM; it was killed. Output: {Output}");
        }
    }

    /// <summary>True if the process exited within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return _process.HasExited;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length > MaxOutputChars)
            {
                _output.Remove(0, _output.Length - (MaxOutputChars / 2));
            }

            _output.AppendLine(line);
        }
    }
}
