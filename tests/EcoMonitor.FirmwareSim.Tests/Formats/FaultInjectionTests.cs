using System.Text;
using EcoMonitor.FirmwareSim.Catalog;
using EcoMonitor.FirmwareSim.Fleet;
using EcoMonitor.FirmwareSim.Formats;
using EcoMonitor.FirmwareSim.Signals;
using Xunit;

namespace EcoMonitor.FirmwareSim.Tests.Formats;

/// <summary>
/// Acceptance 2, injected faults: each refused kind is refused by the service with its reason code, whole (a
/// refused-fault message carries one reading, the bad one); stuck values and spikes are accepted, with every
/// other reading of their message as modelled.
/// </summary>
public sealed class FaultInjectionTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 28, 8, 0, 0, 250, TimeSpan.Zero);

    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(180);

    public static TheoryData<PayloadFormat, FaultKind> Cases
    {
        get
        {
            var cases = new TheoryData<PayloadFormat, FaultKind>();
            foreach (var format in PayloadFormatNames.All)
            {
                foreach (var fault in FaultKinds.All)
                {
                    cases.Add(format, fault);
                }
            }

            return cases;
        }
    }

    /// <summary>18 nodes, a fault every 5th message: every node gets some, at different seqs.</summary>
    private static FleetOptions Options(PayloadFormat format, params FaultKind[] faults) => new()
    {
        Format = format,
        Seed = 5,
        Sites = 2,
        NodesPerKind = 3,
        Interval = TimeSpan.FromSeconds(10),
        Duration = TimeSpan.FromMinutes(10),
        InvalidEvery = 5,
        Faults = faults,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_fault_gets_its_verdict_and_the_other_messages_are_accepted(PayloadFormat format, FaultKind fault)
    {
        var options = Options(format, fault);
        var nodes = NodeIdentity.Layout(options);
        var subscriptions = ServiceSide.Subscriptions(format, nodes);
        var model = new SignalModel(options.Seed);
        var composer = new MessageComposer(options, nodes);
        var last = new Dictionary<string, double>();
        var injected = 0;

        foreach (var (node, seq, time, message) in FleetScript.Messages(options, Start))
        {
            var result = ServiceSide.Ingest(subscriptions, message, time + Latency);
            var context = $"{fault} in {message.Format} seq {seq} {message.Topic}: {Encoding.UTF8.GetString(message.Payload)} → {string.Join("; ", result.Rejections)}";
            if (message.Fault is { } refused)
            {
                injected++;
                Assert.Equal(fault, refused);
                Assert.Equal(1, message.Readings);
                Assert.True(result.WhollyRejected, context);
                var rejection = Assert.Single(result.Rejections);
                Assert.True(ServiceSide.ExpectedCode(fault, message.Format) == rejection.Code, context);
                continue;
            }

            // Good messages, anomalies included, are accepted whole.
            Assert.True(result.Rejections.Count == 0, context);
            Assert.Equal(message.Readings, result.Accepted.Count);
            var anomalyMetric = MessageComposer.AnomalyMetric(node.Kind);
            var key = node.Site + "/" + node.Device;
            foreach (var reading in result.Accepted)
            {
                var modelled = model.Value(node.Site, node.Kind, node.Device, reading.Metric, time);
                if (reading.Metric != anomalyMetric || message.Anomaly is null)
                {
                    Assert.True(modelled == reading.Value, context);
                    continue;
                }

                if (message.Anomaly == FaultKind.StuckValue)
                {
                    // Exactly what the node reported before (on its first message: its own current value).
                    Assert.True(last.GetValueOrDefault(key, modelled) == reading.Value, context);
                }
                else
                {
                    Assert.Equal(FaultKind.Spike, message.Anomaly);
                    var metric = FleetCatalog.Metric(node.Kind, anomalyMetric);
                    Assert.Equal(MessageComposer.Spike(metric, modelled), reading.Value);
                    Assert.True(Math.Abs(reading.Value - modelled) > 0.09 * (metric.Max - metric.Min), context);
                }
            }

            if (message.Anomaly is not null)
            {
                injected++;
                Assert.Equal(fault, message.Anomaly);
            }

            if (result.Accepted.FirstOrDefault(r => r.Metric == anomalyMetric) is { } sent)
            {
                last[key] = sent.Value;
            }
        }

        // Faults a format cannot carry are never injected there (no identity in native, no time in airRohr);
        // the Sensor.Community fleet still has its native water and soil nodes.
        var carried = nodes.Any(node => composer.FormatFor(node.Kind).CanCarry(fault));
        Assert.Equal(carried, injected > 0);
    }

    [Theory]
    [InlineData(PayloadFormat.Native)]
    [InlineData(PayloadFormat.Tts)]
    public void A_stuck_run_is_long_enough_for_the_example_stuck_rule(PayloadFormat format)
    {
        // One node per kind; the air node's messages are fleet positions 3k + 1, so every 31st one (k = 10, 41, …)
        // triggers: 1 + 30 identical readings (the value before, then the run), then the signal again.
        var options = Options(format, FaultKind.StuckValue) with { Sites = 1, NodesPerKind = 1, InvalidEvery = 31, Duration = TimeSpan.FromMinutes(20) };
        var air = FleetScript.Messages(options, Start).Where(m => m.Node.Kind == FleetCatalog.Air).ToList();
        var subscriptions = ServiceSide.Subscriptions(format, NodeIdentity.Layout(options));
        var temperatures = air
            .Select(m => ServiceSide.Ingest(subscriptions, m.Message, m.Time + Latency).Accepted.Single(r => r.Metric == "temperature").Value)
            .ToList();
        var stuck = air.Select(m => m.Message.Anomaly == FaultKind.StuckValue).ToList();

        var first = stuck.IndexOf(true);
        Assert.True(first > 0);
        Assert.Equal(MessageComposer.StuckRunLength, stuck.Skip(first).TakeWhile(s => s).Count());
        Assert.All(temperatures.Skip(first).Take(MessageComposer.StuckRunLength), t => Assert.Equal(temperatures[first - 1], t));

        // Each trigger restarts the run; a real signal resumes after it.
        var runs = stuck.Count(s => s);
        Assert.True(runs >= MessageComposer.StuckRunLength);
    }

    [Fact]
    public void Faults_cycle_through_the_list_and_skip_what_a_format_cannot_carry()
    {
        var options = Options(PayloadFormat.Native, FaultKind.Impersonation, FaultKind.OutOfRange, FaultKind.Spike);
        var faults = FleetScript.Messages(options, Start)
            .Select(m => m.Message.Fault ?? (m.Message.Anomaly == FaultKind.Spike ? FaultKind.Spike : null))
            .Where(f => f is not null)
            .Take(6)
            .ToList();

        // Impersonation is due first, third …: native cannot carry it, so out-of-range takes its place.
        Assert.Equal([FaultKind.OutOfRange, FaultKind.OutOfRange, FaultKind.Spike, FaultKind.OutOfRange, FaultKind.OutOfRange, FaultKind.Spike], faults);
    }

    [Fact]
    public void The_classic_faults_keep_their_positions_and_counts_add_up()
    {
        var options = Options(PayloadFormat.Native) with { Faults = FaultKinds.Default, InvalidEvery = 4 };
        var messages = FleetScript.Messages(options, Start).ToList();
        var bad = messages.Where(m => m.Message.Fault is not null).ToList();

        Assert.Equal(messages.Count / 4, bad.Count);
        Assert.All(bad, m => Assert.Equal(1, m.Message.Readings));
        var subscriptions = ServiceSide.Subscriptions(PayloadFormat.Native, NodeIdentity.Layout(options));
        var stored = messages.Sum(m => ServiceSide.Ingest(subscriptions, m.Message, m.Time + Latency).Accepted.Count);
        Assert.Equal(messages.Where(m => m.Message.Fault is null).Sum(m => m.Message.Readings), stored);
    }

    [Fact]
    public void A_fault_list_must_name_known_kinds()
    {
        Assert.Throws<ArgumentException>(() => new MessageComposer(Options(PayloadFormat.Native) with { Faults = [] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MessageComposer(Options(PayloadFormat.Native) with { Faults = [(FaultKind)99] }));
        Assert.Equal([FaultKind.Spike, FaultKind.StuckValue, FaultKind.Spike], FaultKinds.ParseList(" spike,STUCK-VALUE,spike", out _));
        Assert.Equal(FaultKinds.All, FaultKinds.ParseList("all", out _));
        Assert.Null(FaultKinds.ParseList("spike,flood", out var error));
        Assert.Contains("'flood'", error, StringComparison.Ordinal);
    }
}
