using System.Diagnostics;
using EcoMonitor.FirmwareSim.Firmware;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.FirmwareSim;

/// <summary>The simulator's status topic against a real mosquitto: retained online, Last Will offline, clean offline.</summary>
public sealed class LastWillTests(Servers servers)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(MqttProtocol.Mqtt311)]
    [InlineData(MqttProtocol.Mqtt5)]
    public async Task A_killed_node_gets_its_retained_offline_Last_Will_and_the_others_go_offline_cleanly_on_stop(MqttProtocol protocol)
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"lwt-{Guid.NewGuid():N}"[..16];
        var options = new FleetOptions
        {
            Host = servers.Mosquitto.Host,
            Port = servers.Mosquitto.Port,
            Sites = 1,
            NodesPerKind = 1,
            Interval = TimeSpan.FromMilliseconds(200),
            // Far longer than the test: the run is stopped by cancellation.
            Duration = TimeSpan.FromSeconds(50),
            Protocol = protocol,
            ClientIdPrefix = site,
        };
        var nodes = FleetLayout.OnSite(options, site);
        var simulator = new FleetSimulator(TimeProvider.System) { Nodes = nodes };
        await using var watcher = await StatusSubscriber.StartAsync(servers.Mosquitto, site, ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = simulator.RunAsync(options, stop.Token);
        try
        {
            await Eventually.WaitAsync(
                () => run.IsFaulted ? throw run.Exception! : nodes.All(node => watcher.Last(node.StatusTopic) == "online"),
                Deadline,
                "every node to announce online",
                ct);

            // online is retained: a subscriber arriving now is handed it by the broker.
            await using (var late = await StatusSubscriber.StartAsync(servers.Mosquitto, site, ct))
            {
                await Eventually.WaitAsync(() => nodes.All(node => late.Retained(node.StatusTopic) == "online"), Deadline, "retained online", ct);
            }

            var victim = nodes[0];
            var killed = Stopwatch.StartNew();
            Assert.True(simulator.Kill(victim.ClientId));

            // Only the broker can say offline now: the node is gone and a clean stop has not begun. The
            // socket closed, so the Will comes at once, not after 1.5 x the 15 s keep-alive.
            await Eventually.WaitAsync(() => watcher.Last(victim.StatusTopic) == "offline", Deadline, "the Last Will of the killed node", ct);
            Assert.True(killed.Elapsed < Deadline, $"the Will took {killed.Elapsed}");
            Assert.Equal(["online", "offline"], watcher.History(victim.StatusTopic));
            Assert.All(nodes.Skip(1), node => Assert.Equal(["online"], watcher.History(node.StatusTopic)));
            Assert.False(run.IsCompleted);

            // The Will is retained too.
            await using (var late = await StatusSubscriber.StartAsync(servers.Mosquitto, site, ct))
            {
                await Eventually.WaitAsync(
                    () => late.Retained(victim.StatusTopic) == "offline" && nodes.Skip(1).All(node => late.Retained(node.StatusTopic) == "online"),
                    Deadline,
                    "retained offline for the killed node and online for the others",
                    ct);
            }
        }
        finally
        {
            await stop.CancelAsync();
        }

        var summary = await run;
        Assert.Equal(1, simulator.Firmware.Killed);
        Assert.True(summary.Messages > 0);

        // A clean stop says offline (retained) before its DISCONNECT, which discards the Will.
        await Eventually.WaitAsync(() => nodes.All(node => watcher.Last(node.StatusTopic) == "offline"), Deadline, "every node offline after the stop", ct);
        Assert.All(nodes.Skip(1), node => Assert.Equal(["online", "offline"], watcher.History(node.StatusTopic)));
        await using (var late = await StatusSubscriber.StartAsync(servers.Mosquitto, site, ct))
        {
            await Eventually.WaitAsync(() => nodes.All(node => late.Retained(node.StatusTopic) == "offline"), Deadline, "retained offline for every node", ct);
        }
    }
}
