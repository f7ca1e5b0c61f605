using System.Globalization;
using System.Text.Json;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;
using MQTTnet;
using MQTTnet.Exceptions;

namespace EcoMonitor.FirmwareSim.Firmware;

/// <summary>
/// Runs a fleet of simulated sensor nodes against an MQTT broker. Usable as a library from tests:
/// pass a fake <see cref="TimeProvider"/> to drive the schedule, and a writer to capture progress.
/// </summary>
/// <param name="timeProvider">The only source of time: schedule, deadline, payload timestamps and elapsed time.</param>
/// <param name="log">Progress and warnings (the CLI passes stderr); null discards them.</param>
public sealed class FleetSimulator(TimeProvider timeProvider, TextWriter? log = null)
{
    /// <summary>How often a progress line is written.</summary>
    public static readonly TimeSpan ProgressPeriod = TimeSpan.FromSeconds(5);

    /// <summary>Connections opened at once; a larger fleet connects in waves so the broker's accept queue does not overflow.</summary>
    private const int ConcurrentConnects = 32;

    private readonly TextWriter _log = TextWriter.Synchronized(log ?? TextWriter.Null);

    /// <summary>The nodes of the run under way, for <see cref="Kill"/>.</summary>
    private volatile SimulatedNode[]? _running;

    /// <summary>When set, every data message the broker accepts is kept there (tests).</summary>
    internal PublicationRecorder? Recorder { get; init; }

    /// <summary>
    /// The nodes to run instead of <see cref="NodeIdentity.Layout"/> (tests give their sites names of
    /// their own, so tests sharing a broker do not see each other's traffic).
    /// </summary>
    internal IReadOnlyList<NodeIdentity>? Nodes { get; init; }

    /// <summary>What the firmware behaviour did in the last (or current) run.</summary>
    internal FirmwareCounters Firmware { get; private set; } = new();

    /// <summary>
    /// Connects every node, publishes until <see cref="FleetOptions.Duration"/> has passed or
    /// <paramref name="ct"/> is cancelled, then announces <c>offline</c> and disconnects. Cancellation
    /// after the fleet is connected is a normal, early stop and still returns the summary.
    /// </summary>
    /// <exception cref="FleetConnectionException">A node could not connect; nodes already connected are stopped first.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled while connecting.</exception>
    public async Task<FleetSummary> RunAsync(FleetOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var started = timeProvider.GetTimestamp();
        var identities = Nodes ?? NodeIdentity.Layout(options);
        var composer = new MessageComposer(options, identities);
        var counters = new FleetCounters();
        var firmware = Firmware = new FirmwareCounters();
        var environment = new NodeEnvironment(
            options,
            new MqttClientFactory(),
            _log,
            timeProvider,
            timeProvider.GetUtcNow(),
            identities.Count,
            firmware,
            Recorder,
            counters.Record);
        var nodes = identities.Select(identity => new SimulatedNode(identity, environment)).ToArray();
        _running = nodes;
        try
        {
            await ConnectAllAsync(nodes, options, ct);
            await _log.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"connected nodes={nodes.Length} broker={options.Host}:{options.Port} interval={options.Interval.TotalSeconds}s duration={options.Duration.TotalSeconds}s"));

            // The deadline starts once everyone is connected, so a slow connect does not eat the run.
            using var deadline = new CancellationTokenSource(options.Duration, timeProvider);
            using var run = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
            var runStarted = timeProvider.GetTimestamp();
            var progress = ReportProgressAsync(counters, runStarted, run.Token);
            try
            {
                await Task.WhenAll(nodes.Select(node => RunNodeAsync(node, composer, options, runStarted, run.Token)));
                // Nodes that sent their last message stay online until the duration is over, as a fleet would.
                await WhenCancelled(run.Token);
            }
            finally
            {
                // Also on an unexpected failure, so the progress loop does not outlive the run.
                await run.CancelAsync();
                await progress;
            }
        }
        finally
        {
            // Outages end with the run: what nodes kept is replayed before they go offline cleanly.
            await Task.WhenAll(nodes.Select(node => node.FlushAsync()));
            await Task.WhenAll(nodes.Select(node => node.StopAsync()));
            _running = null;
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }

        await _log.WriteLineAsync(firmware.ToSummaryLine());

        var summary = counters.ToSummary(nodes.Length, timeProvider.GetElapsedTime(started));
        if (options.SummaryFile is { Length: > 0 } path)
        {
            await WriteSummaryAsync(summary, path);
        }

        return summary;
    }

    private static async Task ConnectAllAsync(SimulatedNode[] nodes, FleetOptions options, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(ConcurrentConnects);
        var failures = await Task.WhenAll(nodes.Select(async node =>
        {
            await gate.WaitAsync(ct);
            try
            {
                await node.ConnectAsync(ct);
                return null;
            }
            catch (Exception ex) when (ex is MqttCommunicationException or FleetConnectionException)
            {
                // Collected rather than thrown, so every node gets its chance and the error can say how many failed.
                return ex;
            }
            finally
            {
                gate.Release();
            }
        }));

        var failed = failures.Where(failure => failure is not null).ToArray();
        if (failed.Length > 0)
        {
            // One message for the whole fleet: when the broker is down every node fails the same way.
            var first = failed[0]!;
            var reason = first.InnerException is { } inner ? $"{first.Message} ({inner.Message})" : first.Message;
            throw new FleetConnectionException(
                $"cannot connect to MQTT broker {options.Host}:{options.Port}: {failed.Length} of {nodes.Length} nodes failed, first: {reason}",
                first);
        }
    }

    /// <summary>
    /// Makes the node with <paramref name="clientId"/> in the run under way vanish without a DISCONNECT,
    /// so the broker publishes its Last Will (<see cref="SimulatedNode.Kill"/>). False when no such node runs.
    /// </summary>
    internal bool Kill(string clientId) =>
        _running?.FirstOrDefault(node => node.Identity.ClientId == clientId)?.Kill() ?? false;

    private async Task RunNodeAsync(SimulatedNode node, MessageComposer composer, FleetOptions options, long runStarted, CancellationToken run)
    {
        // One timer per node: a node slowed by its publishes only coalesces its own missed ticks and
        // never holds back the schedule of the others.
        using var timer = new PeriodicTimer(options.Interval, timeProvider);
        for (var seq = 1L; seq <= options.MessagesPerNode; seq++)
        {
            if ((seq > 1 && !await WaitForTickAsync(timer, run)) || node.IsKilled)
            {
                return;
            }

            // Stamped by the node's own (drifting) clock: the device time a consumer must keep.
            var message = composer.Compose(node.Identity, seq, node.Clock.Stamp());
            await node.SendAsync(message, seq, timeProvider.GetElapsedTime(runStarted));
        }

        // After its last message a node still comes back from an outage and replays what it kept.
        while (node.Buffered > 0 && !node.IsKilled && await WaitForTickAsync(timer, run))
        {
            await node.IdleTickAsync(timeProvider.GetElapsedTime(runStarted));
        }
    }

    private async Task ReportProgressAsync(FleetCounters counters, long runStarted, CancellationToken run)
    {
        using var timer = new PeriodicTimer(ProgressPeriod, timeProvider);
        while (await WaitForTickAsync(timer, run))
        {
            var elapsed = timeProvider.GetElapsedTime(runStarted);
            await _log.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"t={Math.Round(elapsed.TotalSeconds):0}s messages={counters.Messages} readings={counters.Readings} invalid_messages={counters.InvalidMessages} failed={counters.FailedMessages}"));
        }
    }

    /// <summary>Waits for the next tick; false once the run is over.</summary>
    private static async Task<bool> WaitForTickAsync(PeriodicTimer timer, CancellationToken run)
    {
        try
        {
            return await timer.WaitForNextTickAsync(run);
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            // The deadline or the caller ended the run: this is the normal way out of the loop.
            return false;
        }
    }

    private static Task WhenCancelled(CancellationToken token)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = token.Register(() => completion.TrySetResult());
        return completion.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static async Task WriteSummaryAsync(FleetSummary summary, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        // Written beside and renamed, so a script polling for the file never reads half of it.
        var temporary = path + ".tmp";
        await using (var stream = File.Create(temporary))
        {
            await JsonSerializer.SerializeAsync(stream, summary, FleetJsonContext.Default.FleetSummary);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
