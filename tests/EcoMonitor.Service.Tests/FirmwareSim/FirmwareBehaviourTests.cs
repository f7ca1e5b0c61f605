using System.Text;
using System.Text.Json;
using EcoMonitor.FirmwareSim.Cli;
using EcoMonitor.FirmwareSim.Firmware;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;
using Microsoft.Extensions.Time.Testing;

namespace EcoMonitor.Service.Tests.FirmwareSim;

/// <summary>The simulator's firmware parts on their own: buffer, replay batches, clock, per-node draws, command line.</summary>
public sealed class FirmwareBehaviourTests
{
    private const string Topic = "eco/site-01/air/air-01";

    [Fact]
    public void A_full_buffer_drops_its_oldest_message_and_replays_the_rest_in_order_as_arrays_of_the_original_records()
    {
        var buffer = new StoreAndForwardBuffer(3);
        var messages = Enumerable.Range(1, 5).Select(seq => Native(seq)).ToArray();

        var dropped = messages.Select(buffer.Add).ToArray();

        Assert.Equal([null, null, null, messages[0], messages[1]], dropped);
        Assert.Equal(3, buffer.Count);
        var first = buffer.NextBatch(2);
        Assert.Equal([messages[2], messages[3]], first.Messages);
        Assert.Equal(Topic, first.Topic);
        Assert.Equal($"[{Text(messages[2])},{Text(messages[3])}]", Encoding.UTF8.GetString(first.Payload));
        using (var document = JsonDocument.Parse(first.Payload))
        {
            Assert.Equal([3L, 4L], document.RootElement.EnumerateArray().Select(record => record.GetProperty("seq").GetInt64()));
        }

        // Nothing leaves the buffer before the broker has it.
        Assert.Equal(3, buffer.Count);
        buffer.RemoveFirst(first.Messages.Count);
        var second = buffer.NextBatch(50);
        Assert.Equal([messages[4]], second.Messages);
        Assert.Equal($"[{Text(messages[4])}]", Encoding.UTF8.GetString(second.Payload));
        buffer.RemoveFirst(1);
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Bad_messages_other_formats_and_other_topics_are_replayed_alone_and_unchanged()
    {
        var buffer = new StoreAndForwardBuffer(10);
        var good = Native(1);
        var cut = new SimulatedMessage(Topic, good.Payload[..^2], 1, FaultKind.MalformedJson);
        var outOfRange = new SimulatedMessage(Topic, Native(2, pm25: 2000).Payload, 1, FaultKind.OutOfRange);
        var senml = new SimulatedMessage(Topic, """[{"n":"pm25","v":1}]"""u8.ToArray(), 1, null);
        var otherTopic = Native(3) with { Topic = "eco/site-01/air/air-02" };
        var last = Native(4);
        foreach (var message in new[] { good, cut, outOfRange, senml, Native(5), otherTopic, last })
        {
            Assert.Null(buffer.Add(message));
        }

        var batches = new List<ReplayBatch>();
        while (buffer.Count > 0)
        {
            batches.Add(buffer.NextBatch(10));
            buffer.RemoveFirst(batches[^1].Messages.Count);
        }

        Assert.Equal([1, 1, 1, 1, 1, 1, 1], batches.Select(batch => batch.Messages.Count));
        Assert.Equal(cut.Payload, batches[1].Payload);
        Assert.Equal(outOfRange.Payload, batches[2].Payload);
        Assert.Equal(senml.Payload, batches[3].Payload);
        Assert.Equal("eco/site-01/air/air-02", batches[5].Topic);
        Assert.Equal((byte)'[', batches[6].Payload[0]);
    }

    [Fact]
    public void Without_a_buffer_a_message_that_cannot_be_sent_is_dropped_at_once()
    {
        var buffer = new StoreAndForwardBuffer(0);
        var message = Native(1);
        Assert.Same(message, buffer.Add(message));
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void A_node_clock_starts_off_by_its_offset_drifts_by_its_rate_and_never_stamps_two_messages_alike()
    {
        var start = new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var clock = new NodeClock(time, start, driftPpm: 100, offset: TimeSpan.FromMilliseconds(-250));

        Assert.Equal(start.AddMilliseconds(-250), clock.Now());
        time.Advance(TimeSpan.FromSeconds(1000));
        // 100 ppm of 1000 s is 100 ms.
        Assert.Equal(start.AddSeconds(1000).AddMilliseconds(-250 + 100), clock.Now());

        var first = clock.Stamp();
        var second = clock.Stamp();
        Assert.Equal(first.AddMilliseconds(1), second);
    }

    [Fact]
    public void Each_node_draws_its_own_drift_offset_and_outages_the_same_way_in_every_run()
    {
        var options = new FleetOptions
        {
            Sites = 2,
            NodesPerKind = 20,
            ClockDriftPpm = 50,
            OfflineEvery = TimeSpan.FromMinutes(10),
            OfflineFor = TimeSpan.FromMinutes(1),
            OfflineProbability = 0.3,
        };
        var nodes = NodeIdentity.Layout(options);
        var traits = nodes.Select(node => NodeTraits.For(node, options)).ToArray();

        Assert.Equal(traits, nodes.Select(node => NodeTraits.For(node, options)));
        Assert.All(traits, t => Assert.InRange(t.DriftPpm, -50, 50));
        Assert.All(traits, t => Assert.InRange(Math.Abs(t.ClockOffset.TotalMilliseconds), 0, 50 * 86.4));
        Assert.All(traits, t => Assert.InRange(t.OutagePhase, TimeSpan.Zero, TimeSpan.FromMinutes(10)));
        Assert.True(traits.Select(t => t.DriftPpm).Distinct().Count() > nodes.Count / 2);
        // About 30 % of 120 nodes have outages.
        Assert.InRange(traits.Count(t => t.Outages), 20, 52);
        // Another seed, another draw.
        var reseeded = nodes.Select(node => NodeTraits.For(node, options with { Seed = 2 })).ToArray();
        Assert.NotEqual(traits.Select(t => t.DriftPpm), reseeded.Select(t => t.DriftPpm));

        // Without the options, every node keeps the simulator's clock and the network.
        Assert.All(nodes, node => Assert.Equal(new NodeTraits(0, TimeSpan.Zero, false, TimeSpan.Zero), NodeTraits.For(node, new FleetOptions())));
    }

    [Fact]
    public void An_outage_begins_at_the_node_s_phase_lasts_OfflineFor_and_repeats_every_OfflineEvery()
    {
        var options = new FleetOptions { OfflineEvery = TimeSpan.FromSeconds(10), OfflineFor = TimeSpan.FromSeconds(3) };
        var traits = new NodeTraits(0, TimeSpan.Zero, true, TimeSpan.FromSeconds(4));

        bool At(double seconds) => traits.IsOffline(TimeSpan.FromSeconds(seconds), options);

        Assert.False(At(0));
        Assert.False(At(3.999));
        Assert.True(At(4));
        Assert.True(At(6.999));
        Assert.False(At(7));
        Assert.False(At(13.999));
        Assert.True(At(14));
        Assert.False(At(17));
        Assert.False((traits with { Outages = false }).IsOffline(TimeSpan.FromSeconds(5), options));
    }

    [Theory]
    [InlineData("--protocol 4", "not a supported MQTT version")]
    [InlineData("--offline-every 10s", "go together")]
    [InlineData("--offline-every 10s --offline-for 10s", "shorter than --offline-every")]
    [InlineData("--offline-probability 1.5", "between 0 and 1")]
    [InlineData("--clock-drift-ppm 1001", "at most 1000")]
    [InlineData("--buffer-capacity -1", "at least 0")]
    [InlineData("--replay-batch 0", "at least 1")]
    [InlineData("--duplicate-every -1", "at least 0")]
    public void The_command_line_refuses_firmware_options_that_cannot_work(string args, string error)
    {
        var result = FleetCommand.Create(TimeProvider.System).Parse(args.Split(' '));
        Assert.Contains(result.Errors, e => e.Message.Contains(error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--protocol 3.1.1 --clean-session false --qos 0")]
    [InlineData("--protocol 5 --clean-session --session-expiry 10m")]
    [InlineData("--clock-drift-ppm 40 --offline-every 10m --offline-for 90s --offline-probability 0.2 --buffer-capacity 500 --replay-batch 20 --duplicate-every 100")]
    public void The_command_line_takes_the_firmware_options(string args)
    {
        var result = FleetCommand.Create(TimeProvider.System).Parse(args.Split(' '));
        Assert.Empty(result.Errors);
    }

    private static SimulatedMessage Native(long seq, double pm25 = 12.5)
    {
        var ts = new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero).AddSeconds(seq);
        var payload = Encoding.UTF8.GetBytes(FormattableString.Invariant($$$"""{"ts":"{{{MessageComposer.FormatTimestamp(ts)}}}","seq":{{{seq}}},"readings":{"pm25":{{{pm25}}}}}"""));
        return new SimulatedMessage(Topic, payload, 1, null);
    }

    private static string Text(SimulatedMessage message) => Encoding.UTF8.GetString(message.Payload);
}
