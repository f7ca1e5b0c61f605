using System.Globalization;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// A real mosquitto on a free loopback port, with persistence in a temporary folder. Started as
/// root it drops to its own user, so the folder is world-writable; it logs to a file because
/// its stdout is block-buffered.
/// </summary>
public sealed class MosquittoServer : IAsyncDisposable
{
    private readonly DirectoryInfo _directory;
    private readonly IReadOnlyList<string> _extraConfig;
    private readonly ServerRun _run = new();
    private Func<MosquittoServer, string>? _wholeConfig;

    private MosquittoServer(DirectoryInfo directory, int port, IReadOnlyList<string> extraConfig)
    {
        _directory = directory;
        Port = port;
        _extraConfig = extraConfig;
    }

    public int Port { get; }

    public string Host => "127.0.0.1";

    public string LogFile => Path.Combine(_directory.FullName, "mosquitto.log");

    /// <param name="extraConfig">Lines appended to the configuration (e.g. the shipped limits).</param>
    public static async Task<MosquittoServer> StartAsync(CancellationToken cancellationToken, IReadOnlyList<string>? extraConfig = null)
    {
        var directory = Directory.CreateTempSubdirectory("ecomonitor-mosquitto-");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory.FullName, (UnixFileMode)0b111_111_111);
        }
        var server = new MosquittoServer(directory, FreePort.Next(), extraConfig ?? []);
        await server.StartAgainAsync(cancellationToken);
        return server;
    }

    /// <summary>
    /// Starts with <paramref name="config"/> as the whole configuration (e.g. the shipped one with
    /// this server's port, folder and log file substituted): it is given the server for those.
    /// </summary>
    public static async Task<MosquittoServer> StartWithConfigAsync(Func<MosquittoServer, string> config, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("ecomonitor-mosquitto-");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory.FullName, (UnixFileMode)0b111_111_111);
        }
        var server = new MosquittoServer(directory, FreePort.Next(), []) { _wholeConfig = config };
        await server.StartAgainAsync(cancellationToken);
        return server;
    }

    /// <summary>The temporary folder this server keeps its configuration, persistence and log in.</summary>
    public string Folder => _directory.FullName;

    /// <summary>Starts (again) on the same port with the same persistence.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        var config = Path.Combine(_directory.FullName, "mosquitto.conf");
        await File.WriteAllTextAsync(
            config,
            _wholeConfig is not null ? _wholeConfig(this) : string.Create(CultureInfo.InvariantCulture, $"""
                listener {Port} 127.0.0.1
                allow_anonymous true
                persistence true
                persistence_location {_directory.FullName}/
                autosave_interval 1
                log_dest file {LogFile}
                log_type error
                log_type warning
                log_type notice
                max_queued_messages 1000000
                max_inflight_messages 0

                """) + string.Join('\n', _extraConfig),
            cancellationToken);
        var process = _run.Start(ServerBinaries.Find("mosquitto"), ["-c", config]);
        await Eventually.WaitAsync(
            async () => process.HasExited
                ? throw new InvalidOperationException($"mosquitto exited at start: {process.Output} {ReadLog()}")
                : await FreePort.AcceptsAsync(Port, cancellationToken),
            TimeSpan.FromSeconds(15),
            "mosquitto to accept connections",
            cancellationToken);
    }

    /// <summary>Stops at once (SIGKILL): what was not autosaved yet is lost, as in a crash.</summary>
    public Task StopAsync() => _run.StopAsync();

    /// <summary>
    /// Stops gracefully (SIGTERM): mosquitto closes its connections and saves its persistence
    /// file (sessions, queued and in-flight messages) before it exits. Throws if it does not
    /// exit within <paramref name="timeout"/> (default 10 s).
    /// </summary>
    public Task TerminateAsync(TimeSpan? timeout = null) => _run.TerminateAsync(timeout);

    public string ReadLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : string.Empty;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _directory.Delete(recursive: true);
    }
}
