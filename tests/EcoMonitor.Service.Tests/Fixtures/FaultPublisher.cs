using System.Diagnostics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// A sensor-like publisher that survives broker outages: it publishes a list of messages at
/// QoS 1, one at a time, and when the broker goes away (or does not answer) it reconnects with
/// a bounded backoff and sends again the message that got no PUBACK. It records exactly which
/// messages the broker accepted (a successful PUBACK), so a test can demand that every one of
/// them is stored. A resent message may reach the broker twice: that is at-least-once, and the
/// store's idempotence has to absorb it.
/// </summary>
public sealed class FaultPublisher : IAsyncDisposable
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);
    private const int MaxErrorsKept = 20;

    private readonly MosquittoServer _broker;
    private readonly string _clientId = $"fault-publisher-{Guid.NewGuid():N}";
    private readonly List<string> _errors = [];
    private IMqttClient? _client;
    private int _accepted;
    private int _connects;
    private int _failedAttempts;

    public FaultPublisher(MosquittoServer broker) => _broker = broker ?? throw new ArgumentNullException(nameof(broker));

    /// <summary>Messages accepted so far by the running <see cref="PublishAsync"/> (live progress).</summary>
    public int AcceptedCount => Volatile.Read(ref _accepted);

    /// <summary>
    /// Publishes <paramref name="messages"/> in order until each one is accepted or
    /// <paramref name="timeout"/> has passed; never throws for a broker fault.
    /// </summary>
    public async Task<PublishReport> PublishAsync(
        IReadOnlyList<(string Topic, byte[] Payload)> messages,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var accepted = new bool[messages.Count];
        var attempts = new int[messages.Count];
        var reasonCodes = new Dictionary<MqttClientPublishReasonCode, int>();
        var backoff = MinBackoff;
        Volatile.Write(ref _accepted, 0);

        for (var i = 0; i < messages.Count; i++)
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(messages[i].Topic)
                .WithPayload(messages[i].Payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            while (!accepted[i])
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    return Report(accepted, attempts, reasonCodes, started, completed: false);
                }

                attempts[i]++;
                try
                {
                    var client = await ConnectedClientAsync(cancellationToken);
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    attempt.CancelAfter(AttemptTimeout);
                    var result = await client.PublishAsync(message, attempt.Token);
                    reasonCodes[result.ReasonCode] = reasonCodes.GetValueOrDefault(result.ReasonCode) + 1;
                    if (result.IsSuccess)
                    {
                        accepted[i] = true;
                        Interlocked.Increment(ref _accepted);
                        backoff = MinBackoff;
                        continue;
                    }

                    // Refused (e.g. quota exceeded): the broker did not take it; try again.
                    RecordError($"message {i}: PUBACK {result.ReasonCode} {result.ReasonString}");
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
#pragma warning disable CA1031 // Any failure of the connection means: no PUBACK, reconnect and send again.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    RecordError($"message {i} (attempt {attempts[i]}): {ex.GetType().Name}: {ex.Message}");
                    await DropClientAsync();
                }

                _failedAttempts++;
                await Task.Delay(backoff, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }

        if (_client is { IsConnected: true } connected)
        {
            await connected.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
        }

        return Report(accepted, attempts, reasonCodes, started, completed: true);
    }

    public async ValueTask DisposeAsync() => await DropClientAsync();

    private async Task<IMqttClient> ConnectedClientAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true } client)
        {
            return client;
        }

        await DropClientAsync();
        client = new MqttClientFactory().CreateMqttClient();
        _client = client;
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(_broker.Host, _broker.Port)
            .WithClientId(_clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithTimeout(AttemptTimeout)
            .Build();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(AttemptTimeout);
        _connects++;
        var result = await client.ConnectAsync(options, attempt.Token);
        return result.ResultCode == MqttClientConnectResultCode.Success
            ? client
            : throw new InvalidOperationException($"broker refused the connection: {result.ResultCode}");
    }

    private async Task DropClientAsync()
    {
        if (_client is { } client)
        {
            _client = null;
            if (client.IsConnected)
            {
                await client.TryDisconnectAsync();
            }

            client.Dispose();
        }
    }

    private void RecordError(string error)
    {
        if (_errors.Count < MaxErrorsKept)
        {
            _errors.Add(error);
        }
    }

    private PublishReport Report(bool[] accepted, int[] attempts, Dictionary<MqttClientPublishReasonCode, int> reasonCodes, long started, bool completed) =>
        new(
            completed,
            accepted,
            Connects: _connects,
            FailedAttempts: _failedAttempts,
            Resent: attempts.Count(a => a > 1),
            ReasonCodes: reasonCodes.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
            Errors: [.. _errors],
            Elapsed: Stopwatch.GetElapsedTime(started));
}

/// <summary>What <see cref="FaultPublisher.PublishAsync"/> did: which messages the broker accepted, and how hard it was.</summary>
/// <param name="Completed">Every message was accepted before the deadline.</param>
/// <param name="Accepted">Per message, in the order given: the broker answered PUBACK with a success code.</param>
/// <param name="Connects">Connections made (1 when the broker never went away).</param>
/// <param name="FailedAttempts">Attempts that got no PUBACK or a refusal.</param>
/// <param name="Resent">Messages that needed more than one attempt.</param>
/// <param name="ReasonCodes">PUBACK reason codes received, with their counts.</param>
/// <param name="Errors">The first failures, for the failure message.</param>
#pragma warning disable CA1819 // A report, read by the test that made it.
public sealed record PublishReport(
    bool Completed,
    bool[] Accepted,
    int Connects,
    int FailedAttempts,
    int Resent,
    IReadOnlyDictionary<string, int> ReasonCodes,
    IReadOnlyList<string> Errors,
    TimeSpan Elapsed)
#pragma warning restore CA1819
{
    public int AcceptedCount => Accepted.Count(a => a);

    public IEnumerable<int> AcceptedIndexes => Enumerable.Range(0, Accepted.Length).Where(i => Accepted[i]);

    public override string ToString() =>
        $"published {AcceptedCount}/{Accepted.Length} accepted in {Elapsed.TotalSeconds:F1} s " +
        $"(completed: {Completed}, connects: {Connects}, failed attempts: {FailedAttempts}, resent: {Resent}, " +
        $"PUBACK codes: {string.Join(", ", ReasonCodes.Select(kv => $"{kv.Key}={kv.Value}"))}; " +
        $"first errors: {string.Join(" | ", Errors)})";
}
