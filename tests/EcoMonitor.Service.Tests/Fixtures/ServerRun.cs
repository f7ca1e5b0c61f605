namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// The current run of a test server that is stopped and started again on the same port and data:
/// at most one <see cref="ServerProcess"/> at a time, stopped at once or gracefully.
/// </summary>
public sealed class ServerRun
{
    private ServerProcess? _process;

    /// <summary>Starts a new run and returns its process.</summary>
    public ServerProcess Start(string fileName, IEnumerable<string> arguments) => _process = ServerProcess.Start(fileName, arguments);

    /// <summary>Stops at once (SIGKILL), as a crash would; nothing if not running.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>
    /// Stops gracefully (SIGTERM) and waits up to <paramref name="timeout"/> (default 10 s); throws
    /// if the server does not exit by then (it is killed). Nothing if not running.
    /// </summary>
    public async Task TerminateAsync(TimeSpan? timeout = null)
    {
        if (_process is not null)
        {
            try
            {
                await _process.TerminateAsync(timeout ?? TimeSpan.FromSeconds(10));
            }
            finally
            {
                await _process.DisposeAsync();
                _process = null;
            }
        }
    }
}
