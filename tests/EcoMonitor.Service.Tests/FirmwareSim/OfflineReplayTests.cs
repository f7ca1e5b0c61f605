using System.Text.Json;
using EcoMonitor.FirmwareSim.Firmware;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.Service.Tests.Fixtures;

namespace EcoMonitor.Service.Tests.FirmwareSim;

/// <summary>Store-and-forward end to end: simulator → mosquitto → the service → VictoriaMetrics.</summary>
public sealed class OfflineReplayTests(Servers servers)
{
    [Fact]
    public async Task A_node_that_was_offline_replays_its_buffer_in_batches_and_every_reading_is_stored_once_with_its_original_timestamp()
    {
        var ct = TestContext.Current.CancellationToken;
        var site = $"replay-{Guid.NewGuid():N}"[..16];
        var template = new FleetOptions
        {
            Host = servers.Mosquitto.Host,
            Port = servers.Mosquitto.Port,
            Sites = 1,
            NodesPerKind = 1,
            Interval = TimeSpan.FromMilliseconds(100),
            Duration = TimeSpan.FromSeconds(6),
            Protocol = MqttProtocol.Mqtt5,
            // A crystal's ±20 ppm: clocks start up to ±1.7 s off. A node ahead stamps readings in the
            // future, which VictoriaMetrics' export (ending at now) shows only once their time has come.
            ClockDriftPpm = 20,
            // Outages of 15 messages or so, each replayed as about four arrays of at most four records.
            OfflineEvery = TimeSpan.FromSeconds(3),
            OfflineFor = TimeSpan.FromSeconds(1.5),
            OfflineProbability = 0.5,
            ReplayBatchSize = 4,
            DuplicateEvery = 7,
            ClientIdPrefix = site,
        };
        var nodes = FleetLayout.OnSite(template, site);
        // Which nodes have outages is drawn from the seed and the node names: take the first seed that
        // gives exactly one of the three, so the other two show that a neighbour's outage changes nothing.
        var options = Enumerable.Range(1, 200)
            .Select(seed => template with { Seed = seed })
            .First(candidate => nodes.Count(node => NodeTraits.For(node, candidate).Outages) == 1);
        var offlineNode = nodes.Single(node => NodeTraits.For(node, options).Outages);

        await using var service = await ServiceUnderTest.StartAsync(servers, site, ct);
        await using var watcher = await StatusSubscriber.StartAsync(servers.Mosquitto, site, ct);
        var recorder = new PublicationRecorder();
        var simulator = new FleetSimulator(TimeProvider.System) { Nodes = nodes, Recorder = recorder };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));

        var summary = await simulator.RunAsync(options, timeout.Token);

        // The simulator's own account: every message made was accepted once, live or replayed. A node
        // on a loaded machine skips the ticks it missed (firmware-sim README), so it may make fewer
        // than MessagesPerNode; what it made is checked below, seq by seq.
        var made = nodes.Count * options.MessagesPerNode;
        Assert.False(timeout.IsCancellationRequested);
        Assert.Equal(0, summary.FailedMessages);
        Assert.InRange(summary.Messages, made * 3 / 4, made);
        var firmware = simulator.Firmware;
        Assert.InRange(firmware.OfflinePeriods, 1, 2);
        Assert.Equal(0, firmware.BufferDropped);
        Assert.True(firmware.Replayed >= 5, $"only {firmware.Replayed} messages were replayed");
        Assert.Equal(firmware.Buffered, firmware.Replayed);
        Assert.True(firmware.Duplicates > 0);

        var publications = recorder.Publications;
        var replays = publications.Where(p => p.Kind == PublicationKind.Replay).ToList();
        Assert.All(replays, replay =>
        {
            Assert.Same(offlineNode, replay.Node);
            Assert.InRange(replay.Messages.Count, 1, options.ReplayBatchSize);
            // A native replay array (docs/mqtt.md#native-payload) of the records exactly as they were first made.
            Assert.Equal((byte)'[', replay.Payload[0]);
            Assert.Equal(replay.Messages.SelectMany(m => Records(m.Topic, m.Payload)), Records(replay.Topic, replay.Payload));
        });
        Assert.Contains(replays, replay => replay.Messages.Count == options.ReplayBatchSize);
        Assert.Equal(firmware.Replayed, replays.Sum(replay => replay.Messages.Count));
        Assert.Equal(firmware.ReplayBatches, replays.Count);

        // Each node's messages, live or replayed, carry seq 1..N exactly once each, none missing.
        var sent = 0L;
        var delivered = publications.Where(p => p.Kind != PublicationKind.Duplicate).ToList();
        foreach (var node in nodes)
        {
            var seqs = delivered.Where(p => p.Node == node).SelectMany(p => Records(p.Topic, p.Payload)).Select(r => r.Seq).Distinct().Order().ToList();
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
            sent += seqs.Count;
        }

        Assert.Equal(summary.Messages, sent);

        // What the store must hold: every reading of every message as the node made it, at the node's
        // (drifting) timestamp, whichever way and however often it travelled.
        var expected = delivered
            .SelectMany(p => p.Messages)
            .SelectMany(m => Records(m.Topic, m.Payload))
            .Select(r => (r.Series, r.Device, r.Ts, r.Value))
            .ToList();
        Assert.Equal(summary.ValidReadings, expected.Count);
        Assert.Equal(expected.Count, expected.Distinct().Count());

        await Eventually.WaitAsync(
            () => service.Metrics.MessagesAcknowledged.Value >= publications.Count,
            TimeSpan.FromSeconds(30),
            $"{publications.Count} acknowledgements",
            ct);
        var series = await servers.VictoriaMetrics.ExportAtLeastAsync($"{{site=\"{site}\"}}", expected.Count, ct);
        var stored = series
            .SelectMany(s => s.Samples.Select(p => (s.Name, s.Metric["device"], p.Timestamp, Math.Round(p.Value, 6))))
            .ToList();
        var missing = expected.Except(stored).ToHashSet();
        Assert.True(
            missing.Count == 0,
            $"{missing.Count} of {expected.Count} readings are not in the store; their messages: "
                + string.Join("; ", delivered
                    .Where(p => Records(p.Topic, p.Payload).Any(r => missing.Contains((r.Series, r.Device, r.Ts, r.Value))))
                    .Select(p => $"{p.Kind} {p.Node.Device} seq {string.Join(",", Records(p.Topic, p.Payload).Select(r => r.Seq).Distinct())} at {p.PublishedAt:HH:mm:ss.fff}")));
        Assert.Equal(expected.Count, stored.Count);
        Assert.Equal(expected.ToHashSet(), stored.ToHashSet());
        Assert.Equal(0, service.Metrics.DeadLettered.Value);
        // The resends repeat a seq the service has seen: it notices them (and stores them over themselves).
        var resentReadings = publications.Where(p => p.Kind == PublicationKind.Duplicate).Sum(p => Records(p.Topic, p.Payload).Count);
        Assert.True(service.Metrics.DuplicateReadings.Value >= resentReadings, $"{service.Metrics.DuplicateReadings.Value} duplicates noticed, {resentReadings} resent");

        // The outage dropped the connection without a DISCONNECT (Will: offline), the node came back
        // (online) and the stop was clean (offline); the other nodes were online throughout.
        await Eventually.WaitAsync(() => nodes.All(node => watcher.Last(node.StatusTopic) == "offline"), TimeSpan.FromSeconds(10), "every node offline after the run", ct);
        var history = watcher.History(offlineNode.StatusTopic);
        Assert.True(history.Count >= 4, string.Join(",", history));
        Assert.Equal(Enumerable.Range(0, history.Count).Select(i => i % 2 == 0 ? "online" : "offline"), history);
        Assert.All(nodes.Where(node => node != offlineNode), node => Assert.Equal(["online", "offline"], watcher.History(node.StatusTopic)));
    }

    /// <summary>The readings of a native payload (an object, or a replay array of objects) on <c>eco/{site}/{kind}/{device}</c>.</summary>
    private static List<StoredReading> Records(string topic, byte[] payload)
    {
        var parts = topic.Split('/');
        var (kind, device) = (parts[2], parts[3]);
        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement;
        var records = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList() : [root];
        return
        [
            .. records.SelectMany(record => record.GetProperty("readings").EnumerateObject().Select(reading => new StoredReading(
                $"{kind}_{reading.Name}",
                device,
                record.GetProperty("ts").GetDateTimeOffset().ToUnixTimeMilliseconds(),
                Math.Round(reading.Value.GetDouble(), 6),
                record.GetProperty("seq").GetInt64()))),
        ];
    }

    private sealed record StoredReading(string Series, string Device, long Ts, double Value, long Seq);
}
