using System.Text;
using EcoMonitor.Core.DeadLetters;
using EcoMonitor.Core.Decoding;
using EcoMonitor.Core.Ingestion;
using EcoMonitor.Ingest.DeadLetters;
using EcoMonitor.Service.Tests.Faults;
using EcoMonitor.Service.Tests.Fixtures;
using EcoMonitor.Service.Tests.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EcoMonitor.Service.Tests.Mqtt;

/// <summary>
/// A message whose handling throws (here: the dead-letter store cannot write, as on a full disk)
/// must not hold one of the broker's <c>Mqtt:ReceiveMaximum</c> in-flight slots forever: MQTT 5
/// redelivers only on a reconnect, so after that many failures the stream would stop while the
/// service still answered ready. The host in process (the fault is a wrapper registered in DI),
/// on the shared mosquitto and VictoriaMetrics.
/// </summary>
public sealed class MessageHandlingFailureTests(Servers servers)
{
    private const int ReceiveMaximum = 5;

    [Fact(Timeout = 120_000)]
    public async Task Messages_failing_while_the_dead_letter_store_throws_do_not_stall_the_stream_and_are_all_stored_or_dead_lettered_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = FaultTraffic.NewSite("fail");
        await using var service = await ServiceUnderTest.StartAsync(
            servers,
            site,
            builder => builder.Services.Replace(ServiceDescriptor.Singleton<IDeadLetterSink>(sp => new FailingDeadLetterSink(sp.GetRequiredService<DeadLetterStore>()))),
            ct,
            $"--Mqtt:ReceiveMaximum={ReceiveMaximum}",
            "--Mqtt:HandlingRetries=2",
            "--Mqtt:HandlingRetryDelay=00:00:00.020",
            "--Mqtt:HandlingMaxRetryDelay=00:00:00.100");
        var sink = (FailingDeadLetterSink)service.Services.GetRequiredService<IDeadLetterSink>();

        // More refused messages than the receive maximum first, then good and refused ones in turn.
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-20).ToUnixTimeSeconds());
        var refused = new List<string>();
        var expected = new HashSet<StoredPoint>();
        var messages = new List<(string Topic, byte[] Payload)>();
        void Add(int i, bool good)
        {
            var ts = t0.AddSeconds(i);
            var payload = EndToEndIngestTests.Payload(ts, i, ("pm25", good ? i : 5000 + i));
            if (good)
            {
                expected.Add(new StoredPoint("air_pm25", "n1", ts.ToUnixTimeMilliseconds(), i));
            }
            else
            {
                refused.Add(payload);
            }

            messages.Add(($"eco/{site}/air/n1", Encoding.UTF8.GetBytes(payload)));
        }

        for (var i = 0; i < 2 * ReceiveMaximum; i++)
        {
            Add(i, good: i >= ReceiveMaximum + 1 && i % 2 == 0);
        }

        for (var i = 2 * ReceiveMaximum; i < 4 * ReceiveMaximum; i++)
        {
            Add(i, good: i % 2 == 0);
        }

        await TestPublisher.PublishAsync(servers.Mosquitto, messages, ct);

        // While the store throws: not ready, with the reason; the broker redelivers (a reconnect).
        Readiness failing = null!;
        try
        {
            await Eventually.WaitAsync(
                async () => (failing = await Readiness.ReadAsync(service.BaseAddress, ct)).Blocking("message-handling") is not null,
                TimeSpan.FromSeconds(20),
                "/health/ready to report message-handling",
                ct);
        }
        catch (TimeoutException ex)
        {
            // A stream stalled on unacknowledged failures: dead-letter writes stop at the receive maximum.
            throw new TimeoutException(
                $"{ex.Message} /health/ready answered {failing?.Status}; acknowledged {service.Metrics.MessagesAcknowledged.Value} of {messages.Count}; dead-letter writes refused {sink.Refused}",
                ex);
        }

        await Eventually.WaitAsync(() => service.Metrics.MessagesRedelivered.Value > 0, TimeSpan.FromSeconds(20), "a redelivery after the reconnect", ct);
        Assert.Equal(503, failing.Status);
        Assert.Contains("IOException", failing.Blocking("message-handling"), StringComparison.Ordinal);

        // The stream goes on past failing messages: more dead-letter writes are tried than the broker
        // lets be in flight. Waited for, not assumed, so a loaded machine cannot lift the fault early.
        await Eventually.WaitAsync(
            () => sink.Refused > ReceiveMaximum,
            TimeSpan.FromSeconds(20),
            $"more than {ReceiveMaximum} dead-letter writes refused (refused {sink.Refused})",
            ct);

        // Space again: everything is handled, each message once.
        sink.Failing = false;
        await Eventually.WaitAsync(
            () => service.Metrics.MessagesAcknowledged.Value >= messages.Count,
            TimeSpan.FromSeconds(30),
            $"all {messages.Count} messages acknowledged (acknowledged {service.Metrics.MessagesAcknowledged.Value})",
            ct);
        Readiness recovered = null!;
        await Eventually.WaitAsync(
            async () => (recovered = await Readiness.ReadAsync(service.BaseAddress, ct)).Status == 200,
            TimeSpan.FromSeconds(20),
            "/health/ready to answer 200 again",
            ct);
        Assert.Null(recovered.Blocking("message-handling"));

        var stored = FaultTraffic.PointsOf(await servers.VictoriaMetrics.ExportAtLeastAsync($"{{site=\"{site}\"}}", expected.Count, ct));
        Assert.Equal(expected.Count, stored.Count);
        Assert.Equal(expected, stored.ToHashSet());

        var records = BadInputTests.ReadDeadLetters(service.DeadLetterDirectory);
        Assert.Equal(refused.Order(StringComparer.Ordinal), records.Select(r => r.GetProperty("payload").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(records, r => Assert.Equal(RejectionCodes.OutOfRange, r.GetProperty("reasons")[0].GetProperty("code").GetString()));

        var metrics = service.Metrics;
        Assert.Equal(messages.Count, metrics.MessagesAcknowledged.Value);
        Assert.Equal(refused.Count, metrics.DeadLettered.Value);
        Assert.Equal(refused.Count, metrics.RejectionsFor(RejectionCodes.OutOfRange));
        Assert.True(metrics.MessageHandlingFailures.Value >= sink.Refused && sink.Refused > ReceiveMaximum, $"failures counted {metrics.MessageHandlingFailures.Value}, dead-letter writes refused {sink.Refused}");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"received {metrics.MessagesReceived.Value} deliveries ({metrics.MessagesRedelivered.Value} redelivered) of {messages.Count} messages; {sink.Refused} dead-letter writes refused; {metrics.MessageHandlingFailures.Value} handling failures counted");
    }

    /// <summary>Throws <see cref="IOException"/>, as a full disk does, while <see cref="Failing"/>; then writes through.</summary>
    private sealed class FailingDeadLetterSink(DeadLetterStore store) : IDeadLetterSink
    {
        private int _refused;
        private volatile bool _failing = true;

        public bool Failing
        {
            get => _failing;
            set => _failing = value;
        }

        public int Refused => Volatile.Read(ref _refused);

        public Task WriteAsync(IncomingMessage message, IngestResult result, CancellationToken cancellationToken)
        {
            if (Failing)
            {
                Interlocked.Increment(ref _refused);
                return Task.FromException(new IOException("No space left on device"));
            }

            return store.WriteAsync(message, result, cancellationToken);
        }
    }
}
