using System.Diagnostics;
using System.Globalization;
using EcoMonitor.Service.Tests.Fixtures;
using static EcoMonitor.Service.Tests.Faults.FaultLog;
using static EcoMonitor.Service.Tests.Faults.FaultMetrics;

namespace EcoMonitor.Service.Tests.Faults;

/// <summary>
/// The fault-injection cases run one at a time and alone: each starts its own mosquitto,
/// VictoriaMetrics and service processes and pushes tens of thousands of messages.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultInjectionCollection
{
    public const string Name = "Fault injection";
}

/// <summary>
/// "No reading lost": the real service, as a child process, between its own mosquitto and
/// VictoriaMetrics, under a crash (SIGKILL), a graceful stop (SIGTERM), a broker restart, and the
/// loss of one of two instances sharing a subscription. Each case checks the exact set of stored
/// (series, device, timestamp, value) against what the broker accepted, each point once.
/// Every wait has a deadline; the numbers each case measures are written to the test output.
/// </summary>
[Collection(FaultInjectionCollection.Name)]
public sealed class FaultInjectionTests
{

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(45);

    /// <summary>Case 1: a crash mid-stream loses nothing and stores nothing twice.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Service_killed_with_SIGKILL_mid_stream_then_restarted_stores_all_20000_readings_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        var traffic = FaultTraffic.Build(FaultTraffic.NewSite("kill"), devices: 20, messagesPerDevice: 1000);
        await using var broker = await MosquittoServer.StartAsync(ct);
        await using var store = await VictoriaMetricsServer.StartAsync(ct);
        await using var service = await ServiceProcess.StartAsync(broker, store, traffic.Site, ct);
        await using var publisher = new FaultPublisher(broker);

        var publishing = publisher.PublishAsync(traffic.ForPublisher(), PublishTimeout, ct);
        var quarter = traffic.Expected.Count / 4;
        await service.WaitForMetricAsync(Stored, v => v >= quarter, TimeSpan.FromSeconds(30), $"{quarter} readings stored", ct);

        var atKill = await service.ReadMetricsAsync(ct);
        var rssAtKill = service.ResidentMemoryBytes;
        var publishedAtKill = publisher.AcceptedCount;
        await service.KillAsync();
        var killedAt = clock.Elapsed;
        await service.RestartAsync(ct);
        var restartedIn = clock.Elapsed - killedAt;

        var report = await publishing;
        Assert.True(report.Completed, report.ToString());
        var storedIn = await traffic.WaitUntilStoredAsync(store, traffic.Expected.Count, StoreTimeout, ct);
        await WaitUntilIdleAsync(service, ct);
        var after = await service.ReadMetricsAsync(ct);
        var comparison = await traffic.CompareAsync(store, traffic.Expected, ct);

        Log($"""
            case 1 (SIGKILL mid-stream): {report}
            at the kill ({killedAt.TotalSeconds:F1} s in): publisher had {publishedAtKill} accepted; service had received {atKill[Received]}, acknowledged {atKill[Acknowledged]}, stored {atKill[Stored]} readings; RSS {rssAtKill / 1048576.0:F0} MiB
            restart to ready: {restartedIn.TotalSeconds:F1} s; after the restart the service received {after[Received]} ({after.GetValueOrDefault(Redelivered)} marked DUP), acknowledged {after[Acknowledged]}, stored {after[Stored]}, counted {after.GetValueOrDefault(DuplicateReadings)} duplicate readings
            messages received in total {atKill[Received] + after[Received]} for {traffic.Messages.Count} published (at least {atKill[Received] + after[Received] - traffic.Messages.Count} redelivered); store complete {storedIn.TotalSeconds:F1} s after the publisher finished
            store: {comparison}
            total {clock.Elapsed.TotalSeconds:F1} s
            """);
        Assert.True(comparison.IsExact, comparison.ToString());
    }

    /// <summary>Case 3: a broker restart (graceful, persistence on) loses none of the messages it accepted.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Broker_restarted_mid_stream_with_persistence_every_message_it_accepted_is_stored_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        var traffic = FaultTraffic.Build(FaultTraffic.NewSite("broker"), devices: 20, messagesPerDevice: 500);
        await using var broker = await MosquittoServer.StartAsync(ct);
        await using var store = await VictoriaMetricsServer.StartAsync(ct);
        await using var service = await ServiceProcess.StartAsync(broker, store, traffic.Site, ct);
        await using var publisher = new FaultPublisher(broker);

        var publishing = publisher.PublishAsync(traffic.ForPublisher(), PublishTimeout, ct);
        var third = traffic.Messages.Count / 3;
        await Eventually.WaitAsync(() => publisher.AcceptedCount >= third, TimeSpan.FromSeconds(30), $"{third} messages accepted by the broker", ct);

        var atStop = await service.ReadMetricsAsync(ct);
        var publishedAtStop = publisher.AcceptedCount;
        var stopping = Stopwatch.StartNew();
        await broker.TerminateAsync();
        var stoppedIn = stopping.Elapsed;
        // The broker held messages the service had not acknowledged (queued or in flight): what
        // its persistence has to keep. (Otherwise the case would not test anything.)
        Assert.True(
            publishedAtStop > atStop[Acknowledged],
            $"precondition: the broker should hold unacknowledged messages at the stop; published {publishedAtStop}, acknowledged {atStop[Acknowledged]}");

        // Down for a moment, as a broker being restarted by its supervisor.
        await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        await broker.StartAgainAsync(ct);
        var downFor = stopping.Elapsed;
        var publishedWhenBack = publisher.AcceptedCount;
        // The service reconnects with its own backoff (Mqtt:MaxReconnectDelay, 30 s by default).
        await service.WaitForMetricAsync(MqttConnected, v => v == 1, TimeSpan.FromSeconds(40), "the service to reconnect to the broker", ct);
        var reconnectedIn = stopping.Elapsed - downFor;

        var report = await publishing;
        Assert.True(report.Completed, report.ToString());
        var expected = traffic.ExpectedFor(report);
        var storedIn = await traffic.WaitUntilStoredAsync(store, expected.Count, StoreTimeout, ct);
        await WaitUntilIdleAsync(service, ct);
        var after = await service.ReadMetricsAsync(ct);
        var comparison = await traffic.CompareAsync(store, expected, ct);

        Log($"""
            case 3 (mosquitto SIGTERM + start again mid-stream): {report}
            at the stop: publisher had {publishedAtStop} accepted; service had received {atStop[Received]}, acknowledged {atStop[Acknowledged]}, stored {atStop[Stored]}
            mosquitto exited {stoppedIn.TotalMilliseconds:F0} ms after SIGTERM; it accepted connections again {downFor.TotalSeconds:F1} s after the SIGTERM; the publisher had {publishedWhenBack} accepted then; the service was connected again {reconnectedIn.TotalSeconds:F1} s later
            service in the end (same process, reconnected): received {after[Received]} ({after.GetValueOrDefault(Redelivered)} marked DUP, {after[Received] - traffic.Messages.Count} beyond the messages published), acknowledged {after[Acknowledged]}, stored {after[Stored]}, counted {after.GetValueOrDefault(DuplicateReadings)} duplicate readings
            store complete {storedIn.TotalSeconds:F1} s after the publisher finished; store: {comparison}
            total {clock.Elapsed.TotalSeconds:F1} s
            """);
        Assert.True(comparison.IsExact, comparison.ToString());
    }

    /// <summary>
    /// Case 4: SIGTERM mid-stream. The process must exit by itself within its shutdown timeout,
    /// with exit code 0, and after a restart nothing is missing.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Service_stopped_with_SIGTERM_mid_stream_exits_0_within_its_shutdown_timeout_and_loses_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        var shutdownTimeout = TimeSpan.FromSeconds(10);
        // Beyond the host's shutdown timeout: the runtime's own exit (finalizers, unloading,
        // process teardown) and the time for the signal to be handled, on a loaded 2-core machine.
        var exitMargin = TimeSpan.FromSeconds(3);
        var traffic = FaultTraffic.Build(FaultTraffic.NewSite("term"), devices: 20, messagesPerDevice: 1000);
        await using var broker = await MosquittoServer.StartAsync(ct);
        await using var store = await VictoriaMetricsServer.StartAsync(ct);
        await using var service = await ServiceProcess.StartAsync(
            broker,
            store,
            traffic.Site,
            ct,
            extraArgs:
            [
                string.Create(CultureInfo.InvariantCulture, $"--HostOptions:ShutdownTimeout={shutdownTimeout:c}"),
                // The consumer logs how the drain went (drained in …, or timed out).
                "--Logging:LogLevel:EcoMonitor.Service.Mqtt=Information",
            ]);
        await using var publisher = new FaultPublisher(broker);

        var publishing = publisher.PublishAsync(traffic.ForPublisher(), PublishTimeout, ct);
        var quarter = traffic.Expected.Count / 4;
        await service.WaitForMetricAsync(Stored, v => v >= quarter, TimeSpan.FromSeconds(30), $"{quarter} readings stored", ct);

        var atSignal = await service.ReadMetricsAsync(ct);
        var publishedAtSignal = publisher.AcceptedCount;
        await service.TerminateAsync();
        var exit = await service.WaitForExitAsync(shutdownTimeout + exitMargin);
        var findings = new List<string>();
        if (exit is null)
        {
            findings.Add($"the service did not exit within {shutdownTimeout} + {exitMargin} of SIGTERM (killed now)");
            await service.KillAsync();
        }
        else
        {
            if (exit.ExitCode != 0)
            {
                findings.Add($"exit code {exit.ExitCode} (expected 0) {exit.SinceSignal.TotalSeconds:F2} s after SIGTERM");
            }
        }

        var outputOfStoppedRun = service.Output;
        await service.RestartAsync(ct);
        var report = await publishing;
        Assert.True(report.Completed, report.ToString());
        var storedIn = await traffic.WaitUntilStoredAsync(store, traffic.Expected.Count, StoreTimeout, ct);
        await WaitUntilIdleAsync(service, ct);
        var after = await service.ReadMetricsAsync(ct);
        var comparison = await traffic.CompareAsync(store, traffic.Expected, ct);
        if (!comparison.IsExact)
        {
            findings.Add(comparison.ToString());
        }

        Log($"""
            case 4 (SIGTERM mid-stream, HostOptions:ShutdownTimeout={shutdownTimeout:c}): {report}
            at the signal: publisher had {publishedAtSignal} accepted; service had received {atSignal[Received]}, acknowledged {atSignal[Acknowledged]}, stored {atSignal[Stored]}
            exit: {(exit is null ? "none within the timeout" : $"code {exit.ExitCode} after {exit.SinceSignal.TotalSeconds:F2} s")}
            after the restart: received {after[Received]} ({after.GetValueOrDefault(Redelivered)} marked DUP: left unacknowledged by the stopped run), acknowledged {after[Acknowledged]}, stored {after[Stored]}
            store complete {storedIn.TotalSeconds:F1} s after the publisher finished; store: {comparison}
            output of the stopped run: {ServiceProcess.Tail(outputOfStoppedRun)}
            total {clock.Elapsed.TotalSeconds:F1} s
            """);
        Assert.True(findings.Count == 0, string.Join("; ", findings));
    }

    /// <summary>
    /// Case 5: two instances share the subscription; one is killed mid-stream. The survivor keeps
    /// receiving, and every reading ends up stored once. mosquitto 2.0 keeps routing a share of
    /// the messages to the dead member's persistent session (and keeps its in-flight ones there),
    /// so the killed instance is started again with its client id and data directory to take
    /// them; the test reports how many waited for it.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task One_of_two_instances_of_a_shared_group_killed_mid_stream_the_survivor_continues_and_all_readings_are_stored_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        var traffic = FaultTraffic.Build(FaultTraffic.NewSite("shared"), devices: 20, messagesPerDevice: 500);
        await using var broker = await MosquittoServer.StartAsync(ct);
        await using var store = await VictoriaMetricsServer.StartAsync(ct);
        string[] shared = ["--Mqtt:SharedGroup=g1"];
        await using var victim = await ServiceProcess.StartAsync(broker, store, traffic.Site, ct, clientId: $"victim-{Guid.NewGuid():N}", extraArgs: shared);
        await using var survivor = await ServiceProcess.StartAsync(broker, store, traffic.Site, ct, clientId: $"survivor-{Guid.NewGuid():N}", extraArgs: shared);
        await using var publisher = new FaultPublisher(broker);

        var publishing = publisher.PublishAsync(traffic.ForPublisher(), PublishTimeout, ct);
        var quarter = traffic.Expected.Count / 4;
        await Eventually.WaitAsync(
            async () => await victim.ReadMetricAsync(Stored, ct) + await survivor.ReadMetricAsync(Stored, ct) >= quarter,
            TimeSpan.FromSeconds(30),
            $"{quarter} readings stored by the two instances",
            ct);

        var victimAtKill = await victim.ReadMetricsAsync(ct);
        var survivorAtKill = await survivor.ReadMetricsAsync(ct);
        var publishedAtKill = publisher.AcceptedCount;
        await victim.KillAsync();

        var report = await publishing;
        Assert.True(report.Completed, report.ToString());
        await WaitUntilIdleAsync(survivor, ct);
        var survivorAfter = await survivor.ReadMetricsAsync(ct);
        var beforeRestart = await traffic.CompareAsync(store, traffic.Expected, ct);

        // What waits in the dead member's session is delivered only when it comes back.
        var restarted = false;
        double victimAfterRestart = 0, victimRedelivered = 0;
        if (beforeRestart.Missing.Count > 0)
        {
            await victim.RestartAsync(ct);
            restarted = true;
            await traffic.WaitUntilStoredAsync(store, traffic.Expected.Count, StoreTimeout, ct);
            await WaitUntilIdleAsync(victim, ct);
            victimAfterRestart = await victim.ReadMetricAsync(Received, ct);
            victimRedelivered = await victim.ReadMetricAsync(Redelivered, ct);
        }

        var comparison = await traffic.CompareAsync(store, traffic.Expected, ct);
        var receivedAfterKill = survivorAfter[Received] - survivorAtKill[Received];
        var publishedAfterKill = traffic.Messages.Count - publishedAtKill;
        // Of the messages missing before the victim came back, those published after the kill
        // were routed to the dead member by the broker; the others were in flight or queued for it.
        var missingMessages = traffic.MessageIndexesOf(beforeRestart.Missing);
        var missingPublishedAfterKill = missingMessages.Count(i => i >= publishedAtKill);

        Log($"""
            case 5 (shared group g1, one of two instances SIGKILLed mid-stream): {report}
            at the kill: publisher had {publishedAtKill} accepted ({publishedAfterKill} still to come); victim had received {victimAtKill[Received]}, acknowledged {victimAtKill[Acknowledged]}; survivor had received {survivorAtKill[Received]}, acknowledged {survivorAtKill[Acknowledged]}
            survivor after the kill: received {receivedAfterKill} more (of {publishedAfterKill} published after the kill plus what was queued), {survivorAfter[Received]} in total
            before the victim came back, the store lacked {beforeRestart.Missing.Count} of {traffic.Expected.Count} points: {missingMessages.Count} messages, {missingPublishedAfterKill} of them published after the kill (of {publishedAfterKill}), {missingMessages.Count - missingPublishedAfterKill} before it ({beforeRestart})
            victim restarted with its client id: {restarted}; it then received {victimAfterRestart} messages ({victimRedelivered} marked DUP: in flight at the kill; the rest queued for its session while it was dead)
            final store: {comparison}
            total {clock.Elapsed.TotalSeconds:F1} s
            """);
        Assert.True(receivedAfterKill > 0, $"the survivor received nothing after the kill (received {survivorAfter[Received]} in total, {survivorAtKill[Received]} at the kill)");
        Assert.True(comparison.IsExact, comparison.ToString());
    }

    /// <summary>
    /// Waits until the service's queue is empty and it has received and acknowledged nothing new
    /// for a second. (Received and acknowledged need not be equal: an acknowledgement that could
    /// not be sent because the connection dropped is not counted, and the message comes again.)
    /// </summary>
    private static async Task WaitUntilIdleAsync(ServiceProcess service, CancellationToken ct)
    {
        var quietSince = Stopwatch.GetTimestamp();
        (double Received, double Acknowledged) last = (-1, -1);
        await service.WaitForMetricsAsync(
            metrics =>
            {
                var now = (metrics.GetValueOrDefault(Received), metrics.GetValueOrDefault(Acknowledged));
                if (now != last || metrics.GetValueOrDefault(QueueDepth) != 0)
                {
                    last = now;
                    quietSince = Stopwatch.GetTimestamp();
                    return false;
                }

                return Stopwatch.GetElapsedTime(quietSince) >= TimeSpan.FromSeconds(1);
            },
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(200),
            "the service to go quiet (queue empty, nothing received or acknowledged for 1 s)",
            ct);
    }
}
