using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// The real service as a child process (<c>dotnet EcoMonitor.Service.dll run --Key=Value ...</c>),
/// so that it can be killed (SIGKILL), stopped gracefully (SIGTERM) and started again with the
/// same client id, data directory and ports, as an operator or an orchestrator would.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(30);
    private readonly string[] _arguments;
    private readonly HttpClient _http;
    private readonly bool _ownsDataDirectory;
    private readonly string _startedPath;
    private ServerProcess? _process;
    private long _lastSignalTimestamp;
    private string _previousOutput = string.Empty;

    private ServiceProcess(string clientId, DirectoryInfo dataDirectory, bool ownsDataDirectory, int httpPort, string[] arguments, string startedPath)
    {
        _startedPath = startedPath;
        ClientId = clientId;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
        HttpPort = httpPort;
        _arguments = arguments;
        _http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public string ClientId { get; }

    public DirectoryInfo DataDirectory { get; }

    public int HttpPort { get; }

    public Uri BaseAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{HttpPort}"));

    /// <summary>How many times the process was started (1 after <see cref="StartAsync"/>).</summary>
    public int Starts { get; private set; }

    public int Pid => Current.Id;

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>Output of the current run and (bounded) of the previous ones, for failure messages.</summary>
    public string Output => _previousOutput + (_process?.Output ?? string.Empty);

    /// <summary>Resident set size of the process now (VmRSS from <c>/proc/{pid}/status</c>).</summary>
    public long ResidentMemoryBytes => ProcStatusBytes("VmRSS");

    /// <summary>The highest resident set size of the process so far (VmHWM from <c>/proc/{pid}/status</c>).</summary>
    public long PeakResidentMemoryBytes => ProcStatusBytes("VmHWM");

    private long ProcStatusBytes(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var parts = line[(field.Length + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * (parts.Length > 1 && parts[1] == "kB" ? 1024 : 1);
            }
        }

        throw new InvalidOperationException($"no {field} in /proc/{Pid}/status");
    }

    private ServerProcess Current => _process ?? throw new InvalidOperationException("the service process was not started");

    /// <summary>
    /// Starts the service subscribed to <c>eco/{site}/+/+</c> on <paramref name="broker"/>, storing
    /// to <paramref name="store"/>, and waits until <c>/health/ready</c> answers 200.
    /// </summary>
    /// <param name="clientId">MQTT client id; a fresh one when null.</param>
    /// <param name="dataDirectory">Data directory; a fresh temporary one (deleted on dispose) when null.</param>
    public static Task<ServiceProcess> StartAsync(
        MosquittoServer broker,
        VictoriaMetricsServer store,
        string site,
        CancellationToken cancellationToken,
        string? clientId = null,
        DirectoryInfo? dataDirectory = null,
        params string[] extraArgs) =>
        LaunchAsync(broker, store, site, "/health/ready", clientId, dataDirectory, extraArgs, cancellationToken);

    /// <summary>
    /// As <see cref="StartAsync"/>, but waits only until <c>/health/live</c> answers: for a service
    /// that is expected not to become ready (e.g. it cannot connect to the broker).
    /// </summary>
    public static Task<ServiceProcess> StartUnreadyAsync(MosquittoServer broker, VictoriaMetricsServer store, string site, CancellationToken cancellationToken, params string[] extraArgs) =>
        LaunchAsync(broker, store, site, "/health/live", clientId: null, dataDirectory: null, extraArgs, cancellationToken);

    private static async Task<ServiceProcess> LaunchAsync(
        MosquittoServer broker,
        VictoriaMetricsServer store,
        string site,
        string startedPath,
        string? clientId,
        DirectoryInfo? dataDirectory,
        string[] extraArgs,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(store);
        clientId ??= $"test-{Guid.NewGuid():N}";
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("ecomonitor-data-");
        var serviceDll = FindServiceDll();
        var port = FreePort.Next();
        string[] arguments =
        [
            serviceDll,
            "run",
            .. ServiceArguments.For(
                broker.Port,
                clientId,
                store.Url,
                dataDirectory,
                string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"),
                site,
                extraArgs),
        ];
        var service = new ServiceProcess(clientId, dataDirectory, owns, port, arguments, startedPath);
        try
        {
            await service.StartProcessAsync(DefaultReadyTimeout, cancellationToken);
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        return service;
    }

    /// <summary>
    /// Starts the service again with the same arguments (client id, data directory, ports). A
    /// process still running is killed first (SIGKILL).
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken, TimeSpan? readyTimeout = null)
    {
        if (!HasExited)
        {
            await KillAsync();
        }

        await StartProcessAsync(readyTimeout ?? DefaultReadyTimeout, cancellationToken);
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash, an OOM kill or a power cut would.</summary>
    public async Task KillAsync()
    {
        var process = Current;
        _lastSignalTimestamp = Stopwatch.GetTimestamp();
        await process.StopAsync();
    }

    /// <summary>
    /// Asks the process to stop (SIGTERM, sent with libc <c>kill</c>), as systemd, Docker or
    /// Kubernetes do. Does not wait for the exit: see <see cref="WaitForExitAsync"/>, which
    /// measures from this signal.
    /// </summary>
    public Task TerminateAsync()
    {
        var process = Current;
        _lastSignalTimestamp = Stopwatch.GetTimestamp();
        return process.SendTerminate()
            ? Task.CompletedTask
            : throw new InvalidOperationException($"the service had already exited before SIGTERM. Output: {Output}");
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the process to exit. Returns null if it is
    /// still running then; otherwise its exit code and the time since the last signal this
    /// fixture sent (or since this call, if none was sent).
    /// </summary>
    public async Task<ServiceExit?> WaitForExitAsync(TimeSpan timeout)
    {
        var process = Current;
        var started = _lastSignalTimestamp != 0 ? _lastSignalTimestamp : Stopwatch.GetTimestamp();
        if (!await process.WaitForExitAsync(timeout))
        {
            return null;
        }

        return new ServiceExit(process.ExitCode, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>GET <c>/metrics</c>, parsed: series (name with its labels, as printed) → value.</summary>
    public async Task<IReadOnlyDictionary<string, double>> ReadMetricsAsync(CancellationToken cancellationToken)
    {
        var text = await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken);
        return ParsePrometheusText(text);
    }

    /// <summary>One series of <c>/metrics</c>; 0 when absent (a counter not yet incremented).</summary>
    public async Task<double> ReadMetricAsync(string series, CancellationToken cancellationToken) =>
        (await ReadMetricsAsync(cancellationToken)).GetValueOrDefault(series);

    /// <summary>Like <see cref="ReadMetricAsync"/>, but null instead of an error while the process is down.</summary>
    public async Task<double?> TryReadMetricAsync(string series, CancellationToken cancellationToken)
    {
        try
        {
            return HasExited ? null : await ReadMetricAsync(series, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// Polls one series of <c>/metrics</c> (every 100 ms) until <paramref name="condition"/> holds;
    /// returns the value that satisfied it. Fails at once if the process exits meanwhile, and
    /// with the last value and the output on timeout.
    /// </summary>
    public async Task<double> WaitForMetricAsync(string series, Func<double, bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var metrics = await WaitForMetricsAsync(m => condition(m.GetValueOrDefault(series)), timeout, TimeSpan.FromMilliseconds(100), what, cancellationToken, series);
        return metrics.GetValueOrDefault(series);
    }

    /// <summary>
    /// Polls <c>/metrics</c> every <paramref name="pollInterval"/> until <paramref name="condition"/>
    /// holds; returns the metrics that satisfied it. Fails at once if the process exits meanwhile,
    /// and with the output (and the last value of <paramref name="watched"/>, if given) on timeout.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, double>> WaitForMetricsAsync(
        Func<IReadOnlyDictionary<string, double>, bool> condition,
        TimeSpan timeout,
        TimeSpan pollInterval,
        string what,
        CancellationToken cancellationToken,
        string? watched = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        IReadOnlyDictionary<string, double> last = new Dictionary<string, double>();
        try
        {
            await Eventually.WaitAsync(
                async () => HasExited
                    ? throw new InvalidOperationException($"the service exited while waiting for {what}: {Tail(Output)}")
                    : condition(last = await ReadMetricsAsync(cancellationToken)),
                timeout,
                pollInterval,
                what,
                cancellationToken);
        }
        catch (TimeoutException ex)
        {
            var value = watched is null ? string.Empty : $" {watched} = {last.GetValueOrDefault(watched)}.";
            throw new TimeoutException($"{ex.Message}{value} Output: {Tail(Output)}", ex);
        }

        return last;
    }

    /// <summary>The HTTP status code of a GET on <paramref name="path"/> (e.g. <c>/health/ready</c>).</summary>
    public async Task<int> GetStatusAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        return (int)response.StatusCode;
    }

    public static Dictionary<string, double> ParsePrometheusText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // name{label="value",...} value [timestamp]; label values may hold spaces.
            var nameEnd = line.Contains('{', StringComparison.Ordinal)
                ? line.LastIndexOf('}') + 1
                : line.IndexOf(' ', StringComparison.Ordinal);
            var series = line[..nameEnd];
            var value = line[nameEnd..].Trim().Split(' ')[0];
            result[series] = value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }

        _http.Dispose();
        if (_ownsDataDirectory)
        {
            try
            {
                DataDirectory.Delete(recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }

    private async Task StartProcessAsync(TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        if (_process is not null)
        {
            _previousOutput = Truncate(_previousOutput + _process.Output + $"--- exit code {_process.ExitCode} ---\n");
            await _process.DisposeAsync();
        }

        _lastSignalTimestamp = 0;
        _process = ServerProcess.Start(FindDotnetHost(), _arguments, workingDirectory: Path.GetDirectoryName(_arguments[0]));
        Starts++;
        var process = _process;
        await Eventually.WaitAsync(
            async () => process.HasExited
                ? throw new InvalidOperationException($"the service exited at start with code {process.ExitCode}: {Output}")
                : await HttpProbe.AnswersAsync(_http, _startedPath, cancellationToken),
            readyTimeout,
            $"the service (start #{Starts}, pid {process.Id}) to answer 200 on {_startedPath}",
            cancellationToken);
    }

    private static string Truncate(string text) => text.Length > 32 * 1024 ? text[^(32 * 1024)..] : text;

    /// <summary>The last 4000 characters of a process's output.</summary>
    internal static string Tail(string text) => text.Length > 4000 ? "…" + text[^4000..] : text;

    /// <summary>The checkout the tests were built from: the folder above them that holds EcoMonitor.sln.</summary>
    internal static DirectoryInfo RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "EcoMonitor.sln")))
        {
            root = root.Parent;
        }

        return root ?? throw new InvalidOperationException($"no EcoMonitor.sln above {AppContext.BaseDirectory}: cannot find the repository root");
    }

    /// <summary>The service's own build output, in the configuration (Debug/Release) the tests were built in.</summary>
    internal static string FindServiceDll()
    {
        // The test assembly lives in tests/EcoMonitor.Service.Tests/bin/<Configuration>/<tfm>/.
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var targetFramework = baseDirectory.Name;
        var configuration = baseDirectory.Parent?.Name
            ?? throw new InvalidOperationException($"cannot tell the build configuration from {AppContext.BaseDirectory}");
        var root = RepositoryRoot();
        var dll = Path.Combine(root.FullName, "src", "EcoMonitor.Service", "bin", configuration, targetFramework, "EcoMonitor.Service.dll");
        return File.Exists(dll)
            ? dll
            : throw new InvalidOperationException(
                $"the service is not built: {dll} is missing. Build it first (dotnet build EcoMonitor.sln -c {configuration}); " +
                "dotnet test on the test project builds it as a project reference.");
    }

    private static string FindDotnetHost()
    {
        // The muxer that runs these tests, then the one beside the running runtime, then PATH.
        var fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        var besideRuntime = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", name));
        if (File.Exists(besideRuntime))
        {
            return besideRuntime;
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("the dotnet host was not found (DOTNET_HOST_PATH, beside the runtime, PATH)");
    }
}

/// <summary>How the service process ended: its exit code and how long after the signal.</summary>
public sealed record ServiceExit(int ExitCode, TimeSpan SinceSignal);
