using System.Buffers;
using System.Globalization;
using System.Text.Json;
using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace EcoMonitor.FirmwareSim.Load;

/// <summary>
/// Load mode: publishes <see cref="LoadOptions.Rate"/> messages a second, spread round robin over many
/// devices' topics, for the benchmark. It does not imitate firmware (that is <c>FleetSimulator</c>):
/// <list type="bullet">
/// <item>A small pool of MQTT connections (<see cref="LoadOptions.Connections"/>) carries every device's
/// topic, device <c>d</c> on connection <c>d mod N</c>. One connection per device at 10,000 devices would
/// measure connection handling (10,000 sockets, keep-alives, sessions) instead of message throughput, and
/// the broker authorises by topic, not by connection, in this test setup.</item>
/// <item>Each connection pipelines: up to <see cref="LoadOptions.MaxInflight"/> QoS 1 publishes are in
/// flight at once (never more than the broker's Receive Maximum), so throughput is not bounded by one
/// round trip per message.</item>
/// <item>One dispatch loop paces the sends with a <see cref="SendPacer"/> on the <see cref="TimeProvider"/>'s
/// timestamps (a Stopwatch), and latency is measured from each message's scheduled time, so a stall of the
/// generator itself shows in the percentiles.</item>
/// </list>
/// </summary>
public sealed class LoadGenerator(TimeProvider timeProvider, TextWriter? log = null)
{
    /// <summary>Bounds connects and each publish's wait for its PUBACK, as in the fleet mode.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Messages each connection publishes before the measured run (<c>{prefix}/load-warmup</c>).</summary>
    public const int WarmUpMessages = 200;

    private readonly TextWriter _log = TextWriter.Synchronized(log ?? TextWriter.Null);
    private readonly TimeProvider _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));

    /// <summary>
    /// Connects, publishes for the duration (plus at most <see cref="LoadOptions.MaxOverrun"/> of catching
    /// up), waits for the last acknowledgements, disconnects and summarises. Cancellation after connecting
    /// is an early stop that still returns the summary.
    /// </summary>
    /// <param name="progress">Shows progress while the run lasts; null shows none.</param>
    /// <exception cref="FleetConnectionException">A connection could not be opened; nothing was published.</exception>
    public async Task<LoadSummary> RunAsync(LoadOptions options, ILoadProgress? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var fleet = options.Fleet;
        var devices = LoadDevice.Layout(fleet, options.Devices);
        var qos = fleet.Qos == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce;
        var factory = new MqttClientFactory();
        var connections = Enumerable.Range(0, Math.Min(options.Connections, devices.Length))
            .Select(i => new LoadConnection(factory, fleet, i, _log))
            .ToArray();
        try
        {
            await ConnectAllAsync(connections, options, qos, ct);
            var receiveMaximum = connections.Min(c => c.ReceiveMaximum);
            await _log.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"connected connections={connections.Length} devices={devices.Length} broker={fleet.Host}:{fleet.Port} rate={options.Rate}/s duration={fleet.Duration.TotalSeconds}s qos={fleet.Qos} inflight_per_connection={connections[0].InflightLimit} broker_receive_maximum={(receiveMaximum == ushort.MaxValue ? "none" : receiveMaximum.ToString(CultureInfo.InvariantCulture))}"));
            var run = new Run(this, options, devices, connections, qos);
            return await run.ExecuteAsync(progress, ct);
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.DisconnectAsync()));
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    private static async Task ConnectAllAsync(LoadConnection[] connections, LoadOptions options, MqttQualityOfServiceLevel qos, CancellationToken ct)
    {
        var failures = await Task.WhenAll(connections.Select(async connection =>
        {
            try
            {
                await connection.ConnectAsync(options.MaxInflight, qos, ct);
                return null;
            }
            catch (Exception ex) when (ex is MqttCommunicationException or FleetConnectionException)
            {
                return ex;
            }
        }));

        if (failures.FirstOrDefault(f => f is not null) is { } first)
        {
            var reason = first.InnerException is { } inner ? $"{first.Message} ({inner.Message})" : first.Message;
            throw new FleetConnectionException(
                $"cannot connect to MQTT broker {options.Fleet.Host}:{options.Fleet.Port}: {failures.Count(f => f is not null)} of {connections.Length} connections failed, first: {reason}",
                first);
        }
    }

    private static async Task WriteSummaryAsync(LoadSummary summary, string path)
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
            await JsonSerializer.SerializeAsync(stream, summary, LoadJsonContext.Default.LoadSummary);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>One run: the pacing loop, the completions, and the counters they share.</summary>
    private sealed class Run
    {
        private readonly LoadOptions _options;
        private readonly LoadDevice[] _devices;
        private readonly LoadConnection[] _connections;
        private readonly MqttQualityOfServiceLevel _qos;
        private readonly TimeProvider _time;
        private readonly SendPacer _pacer;
        private readonly LoadMessageWriter _writer;
        private readonly LatencyHistogram _latency = new();
        private readonly LatencyHistogram _dispatchLag = new();
        private readonly long[] _perSecond;
        private long _start;
        private DateTimeOffset _startWall;
        private long _sent;
        private long _completed;
        private long _failed;
        private long _readings;
        private long _inflight;
        private long _lastCompletion;

        public Run(LoadGenerator owner, LoadOptions options, LoadDevice[] devices, LoadConnection[] connections, MqttQualityOfServiceLevel qos)
        {
            _options = options;
            _devices = devices;
            _connections = connections;
            _qos = qos;
            _time = owner._timeProvider;
            _pacer = new SendPacer(options.Rate, options.TotalMessages, options.BurstWindow);
            var devicePeriod = TimeSpan.FromSeconds(devices.Length / options.Rate);
            _writer = new LoadMessageWriter(options.Fleet.CreateSignalModel(), options.ReadingsPerMessage, devicePeriod);
            _perSecond = new long[(int)Math.Ceiling((options.Fleet.Duration + options.MaxOverrun + RequestTimeout).TotalSeconds) + 2];
        }

        public async Task<LoadSummary> ExecuteAsync(ILoadProgress? progress, CancellationToken ct)
        {
            using var stopProgress = new CancellationTokenSource();
            await WarmUpAsync(ct);
            _startWall = _time.GetUtcNow();
            _start = _time.GetTimestamp();
            var progressTask = progress?.RunAsync(Snapshot, stopProgress.Token) ?? Task.CompletedTask;
            try
            {
                await PaceAsync(ct);
                await DrainAsync();
            }
            finally
            {
                await stopProgress.CancelAsync();
                await progressTask;
            }

            var summary = Summarize(stoppedAt: ct.IsCancellationRequested ? _time.GetElapsedTime(_start) : null);
            if (_options.Fleet.SummaryFile is { Length: > 0 } path)
            {
                await WriteSummaryAsync(summary, path);
            }

            return summary;
        }

        /// <summary>
        /// Before the clock starts, each connection publishes <see cref="WarmUpMessages"/> messages on
        /// <c>{prefix}/load-warmup</c> (outside <c>eco/</c>, so the service never sees them): the first
        /// publishes of a process pay for JIT compilation, tens of milliseconds that are not the broker's.
        /// </summary>
        private async Task WarmUpAsync(CancellationToken ct)
        {
            var topic = _options.Fleet.ClientIdPrefix + "/load-warmup";
            var payloads = FleetCatalog.Kinds
                .Select(kind => _devices.FirstOrDefault(d => d.Identity.Kind == kind))
                .OfType<LoadDevice>()
                .Select(device => _writer.Write(device, 1, _time.GetUtcNow()))
                .ToArray();
            await Task.WhenAll(_connections.Select(async connection =>
            {
                for (var i = 0; i < WarmUpMessages && !ct.IsCancellationRequested; i++)
                {
                    var message = new MqttApplicationMessage
                    {
                        Topic = topic,
                        Payload = new ReadOnlySequence<byte>(payloads[i % payloads.Length]),
                        QualityOfServiceLevel = _qos,
                    };
                    try
                    {
                        await connection.Client.PublishAsync(message, CancellationToken.None);
                    }
                    catch (MqttCommunicationException ex)
                    {
                        await connection.WarnOnceAsync($"{connection.ClientId}: warm-up publish failed: {ex.Message}");
                        return;
                    }
                }
            }));
        }

        public LoadSnapshot Snapshot() => new(
            _time.GetElapsedTime(_start),
            _options.Fleet.Duration,
            _pacer.Total,
            Interlocked.Read(ref _sent),
            Interlocked.Read(ref _completed),
            Interlocked.Read(ref _failed),
            Interlocked.Read(ref _inflight),
            _latency.Percentile(99));

        /// <summary>
        /// With the system clock the pacer runs on a thread of its own that sleeps with
        /// <see cref="Thread.Sleep(TimeSpan)"/>: a thread-pool timer (Task.Delay) wakes one to three
        /// milliseconds late on a busy machine, a sleeping thread about a tenth of that, and every
        /// millisecond of lateness is latency charged to the broker. Other clocks (tests) pace with
        /// <see cref="SendPacer.TakeAsync"/>.
        /// </summary>
        private Task PaceAsync(CancellationToken ct)
        {
            if (!ReferenceEquals(_time, TimeProvider.System))
            {
                return PaceOnTimeProviderAsync(ct);
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    PaceOnThread(ct);
                    done.SetResult();
                }
                catch (Exception ex)
                {
                    done.SetException(ex);
                }
            })
            {
                IsBackground = true,
                Name = "load pacer",
            };
            thread.Start();
            return done.Task;
        }

        private void PaceOnThread(CancellationToken ct)
        {
            var stopAt = _options.Fleet.Duration + _options.MaxOverrun;
            while (!_pacer.IsComplete && !ct.IsCancellationRequested)
            {
                var elapsed = _time.GetElapsedTime(_start);
                if (elapsed >= stopAt)
                {
                    return;
                }

                var grant = _pacer.Take(elapsed, out var wait);
                if (grant == 0)
                {
                    Thread.Sleep(wait < SendPacer.MinimumWait ? SendPacer.MinimumWait : wait);
                    continue;
                }

                var first = _pacer.Granted - grant;
                for (var index = first; index < first + grant; index++)
                {
                    if (ConnectionFor(index) is not { } connection)
                    {
                        continue;
                    }

                    try
                    {
                        connection.Gate.Wait(ct);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        return;
                    }

                    Publish(index, connection);
                }
            }
        }

        private async Task PaceOnTimeProviderAsync(CancellationToken ct)
        {
            var stopAt = _options.Fleet.Duration + _options.MaxOverrun;
            while (!_pacer.IsComplete)
            {
                int grant;
                try
                {
                    grant = await _pacer.TakeAsync(_time, _start, stopAt, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }

                if (grant == 0)
                {
                    return;
                }

                var first = _pacer.Granted - grant;
                for (var index = first; index < first + grant; index++)
                {
                    if (ConnectionFor(index) is not { } connection)
                    {
                        continue;
                    }

                    if (!connection.Gate.Wait(0))
                    {
                        try
                        {
                            await connection.Gate.WaitAsync(ct);
                        }
                        catch (OperationCanceledException) when (ct.IsCancellationRequested)
                        {
                            return;
                        }
                    }

                    Publish(index, connection);
                }
            }
        }

        /// <summary>The connection of message <paramref name="index"/>'s device; null (the message counted as failed) while it is down.</summary>
        private LoadConnection? ConnectionFor(long index)
        {
            var connection = _connections[(int)(index % _devices.Length) % _connections.Length];
            if (connection.IsConnected)
            {
                return connection;
            }

            // Skipped rather than queued: a lost connection must not turn into a burst when it returns.
            Interlocked.Increment(ref _sent);
            Interlocked.Increment(ref _failed);
            connection.ReconnectInBackground(_time);
            return null;
        }

        /// <summary>Starts one publish (its in-flight slot already taken) without waiting for it.</summary>
        private void Publish(long index, LoadConnection connection)
        {
            var device = _devices[(int)(index % _devices.Length)];
            var scheduled = _pacer.DueAt(index);
            var seq = (index / _devices.Length) + 1;
            var payload = _writer.Write(device, seq, _startWall + scheduled);
            var message = new MqttApplicationMessage
            {
                Topic = device.Topic,
                Payload = new ReadOnlySequence<byte>(payload),
                QualityOfServiceLevel = _qos,
            };
            var scheduledTimestamp = _start + (long)(scheduled.Ticks * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);
            _dispatchLag.Record(_time.GetElapsedTime(scheduledTimestamp));
            Interlocked.Increment(ref _sent);
            Interlocked.Increment(ref _inflight);
            _ = PublishAsync(connection, message, scheduledTimestamp, _writer.ReadingsOf(device));
        }

        private async Task PublishAsync(LoadConnection connection, MqttApplicationMessage message, long scheduledTimestamp, int readings)
        {
            try
            {
                var result = await connection.Client.PublishAsync(message, CancellationToken.None);
                if (result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers)
                {
                    var now = _time.GetTimestamp();
                    _latency.Record(_time.GetElapsedTime(scheduledTimestamp, now));
                    Interlocked.Increment(ref _completed);
                    Interlocked.Add(ref _readings, readings);
                    var second = (int)Math.Clamp(_time.GetElapsedTime(_start, now).Ticks / TimeSpan.TicksPerSecond, 0, _perSecond.Length - 1);
                    Interlocked.Increment(ref _perSecond[second]);
                    InterlockedMax(ref _lastCompletion, now);
                }
                else
                {
                    Interlocked.Increment(ref _failed);
                    await connection.WarnOnceAsync($"broker refused a message on {connection.ClientId}: {result.ReasonCode} {result.ReasonString}".TrimEnd());
                }
            }
            catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                Interlocked.Increment(ref _failed);
                await connection.WarnOnceAsync($"{connection.ClientId}: publish failed: {ex.Message}");
            }
            finally
            {
                connection.Gate.Release();
                Interlocked.Decrement(ref _inflight);
            }
        }

        /// <summary>Waits for the publishes still in flight; each is bounded by the MQTT request timeout.</summary>
        private async Task DrainAsync()
        {
            var deadline = _time.GetTimestamp();
            while (Interlocked.Read(ref _inflight) > 0 && _time.GetElapsedTime(deadline) < RequestTimeout + TimeSpan.FromSeconds(1))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), _time);
            }
        }

        /// <param name="stoppedAt">When the run was cancelled (after the start), or null when it ran its course.</param>
        private LoadSummary Summarize(TimeSpan? stoppedAt)
        {
            var lastCompletion = Interlocked.Read(ref _lastCompletion);
            var elapsed = lastCompletion == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_start, lastCompletion);
            // The schedule spans the duration, or the time until the stop; finishing late (behind schedule) stretches it.
            var duration = stoppedAt is { } stop && stop < _options.Fleet.Duration ? stop : _options.Fleet.Duration;
            if (elapsed < duration)
            {
                elapsed = duration;
            }

            var completed = Interlocked.Read(ref _completed);
            var sent = Interlocked.Read(ref _sent);
            var wholeSeconds = (int)Math.Min(_perSecond.Length, Math.Floor(duration.TotalSeconds));
            var perSecond = _perSecond.Take(wholeSeconds).ToArray();
            return new LoadSummary(
                _options.Rate,
                Math.Round(completed / elapsed.TotalSeconds, 1),
                _pacer.Total,
                sent,
                completed,
                // Publishes still unanswered after the drain timed out count as failed.
                Interlocked.Read(ref _failed) + Interlocked.Read(ref _inflight),
                _pacer.Total - sent,
                Interlocked.Read(ref _readings),
                _latency.Summarize(),
                _dispatchLag.Summarize(),
                perSecond.Length == 0 ? 0 : perSecond.Min(),
                perSecond.Length == 0 ? 0 : perSecond.Max(),
                _devices.Length,
                _connections.Length,
                _options.Fleet.Qos,
                _options.ReadingsPerMessage,
                _options.Fleet.Duration,
                elapsed);
        }

        private static void InterlockedMax(ref long target, long value)
        {
            var current = Interlocked.Read(ref target);
            while (value > current)
            {
                var seen = Interlocked.CompareExchange(ref target, value, current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }
    }
}

/// <summary>Progress of a load run at one instant.</summary>
/// <param name="Inflight">Publishes sent and not yet complete.</param>
/// <param name="P99">The 99th percentile latency so far.</param>
public sealed record LoadSnapshot(TimeSpan Elapsed, TimeSpan Duration, long Planned, long Sent, long Completed, long Failed, long Inflight, TimeSpan P99);

/// <summary>Shows a load run's progress until <c>stop</c> is cancelled; <c>snapshot</c> reads the counters.</summary>
public interface ILoadProgress
{
    Task RunAsync(Func<LoadSnapshot> snapshot, CancellationToken stop);
}

/// <summary>One connection of the load generator's pool, shared by many devices' topics.</summary>
internal sealed class LoadConnection : IDisposable
{
    private readonly MqttClientOptions _options;
    private readonly string? _username;
    private readonly TextWriter _log;
    private int _warned;
    private int _reconnecting;
    private long _lastReconnectAttempt;

    public LoadConnection(MqttClientFactory factory, FleetOptions fleet, int index, TextWriter log)
    {
        _log = log;
        ClientId = string.Create(CultureInfo.InvariantCulture, $"{fleet.ClientIdPrefix}-load-{index + 1:D2}");
        Client = factory.CreateMqttClient();
        var builder = factory.CreateClientOptionsBuilder()
            .WithTcpServer(fleet.Host, fleet.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(ClientId)
            // A load connection is no device: no session to resume, no Last Will.
            .WithCleanStart(true)
            .WithTimeout(LoadGenerator.RequestTimeout)
            // Header and payload in one write (one send syscall per message instead of two).
            .WithoutPacketFragmentation();
        // One shared login: a connection carries many devices' topics (LoadOptions.Validate refuses {device}).
        _username = fleet.Credentials?.Username;
        _options = (fleet.Credentials is { } credentials ? builder.WithCredentials(credentials.Username, credentials.Password) : builder).Build();
    }

    public string ClientId { get; }

    public IMqttClient Client { get; }

    public bool IsConnected => Client.IsConnected;

    /// <summary>What the broker's CONNACK allows in flight (65535 when it sets no Receive Maximum).</summary>
    public ushort ReceiveMaximum { get; private set; } = ushort.MaxValue;

    public int InflightLimit { get; private set; }

    /// <summary>Publishes in flight on this connection; created on connect.</summary>
    public SemaphoreSlim Gate { get; private set; } = new(1);

    public async Task ConnectAsync(int maxInflight, MqttQualityOfServiceLevel qos, CancellationToken ct)
    {
        var result = await Client.ConnectAsync(_options, ct);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw FleetConnectionException.Refused(ClientId, _username, result);
        }

        ReceiveMaximum = result.ReceiveMaximum is > 0 and var max ? max : ushort.MaxValue;
        // MQTTnet does not enforce the broker's Receive Maximum itself; going over it gets the connection closed.
        InflightLimit = qos == MqttQualityOfServiceLevel.AtMostOnce ? maxInflight : Math.Min(maxInflight, (int)ReceiveMaximum);
        Gate.Dispose();
        Gate = new SemaphoreSlim(InflightLimit, InflightLimit);
    }

    /// <summary>Starts one reconnect attempt unless one is running or the last was less than a second ago.</summary>
    public void ReconnectInBackground(TimeProvider time)
    {
        var now = time.GetTimestamp();
        if (_lastReconnectAttempt != 0 && time.GetElapsedTime(Interlocked.Read(ref _lastReconnectAttempt), now) < TimeSpan.FromSeconds(1))
        {
            return;
        }

        if (Interlocked.Exchange(ref _reconnecting, 1) == 1)
        {
            return;
        }

        Interlocked.Exchange(ref _lastReconnectAttempt, now);
        _ = Task.Run(async () =>
        {
            try
            {
                // The gate is kept: publishes still in flight release into it.
                var result = await Client.ConnectAsync(_options, CancellationToken.None);
                if (result.ResultCode == MqttClientConnectResultCode.Success)
                {
                    await _log.WriteLineAsync($"{ClientId} reconnected");
                    Interlocked.Exchange(ref _warned, 0);
                }
            }
            catch (MqttCommunicationException ex)
            {
                await WarnOnceAsync($"{ClientId} cannot reconnect: {ex.Message}");
            }
            finally
            {
                Interlocked.Exchange(ref _reconnecting, 0);
            }
        });
    }

    /// <summary>One warning per outage, not one per message: a dead broker would flood stderr.</summary>
    public Task WarnOnceAsync(string message) =>
        Interlocked.Exchange(ref _warned, 1) == 0 ? _log.WriteLineAsync("warning: " + message) : Task.CompletedTask;

    public async Task DisconnectAsync()
    {
        if (!Client.IsConnected)
        {
            return;
        }

        try
        {
            var disconnect = new MqttClientDisconnectOptionsBuilder()
                .WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection)
                .Build();
            await Client.DisconnectAsync(disconnect, CancellationToken.None);
        }
        catch (MqttCommunicationException ex)
        {
            await _log.WriteLineAsync($"warning: {ClientId} did not disconnect cleanly: {ex.Message}");
        }
    }

    public void Dispose()
    {
        Gate.Dispose();
        Client.Dispose();
    }
}
