using EcoMonitor.FirmwareSim.Fleet;

namespace EcoMonitor.FirmwareSim.Formats;

/// <summary>One message of a <see cref="FleetScript"/>.</summary>
/// <param name="Time">The simulated instant the node composed it (its payload time, unless a clock fault moved that).</param>
public sealed record ScriptedMessage(NodeIdentity Node, long Seq, DateTimeOffset Time, SimulatedMessage Message);

/// <summary>
/// The fleet's messages without a broker or timers: what a run with <see cref="FleetOptions"/> composes when every
/// node keeps up and its clock is true, in the fleet order (seq, then node index). Node messages of tick k are
/// stamped <c>start + (k − 1) × Interval</c>. The same options and start give the same (topic, payload) sequence,
/// byte for byte, on every run and machine; tests use it to check determinism and what the service makes of it.
/// </summary>
public static class FleetScript
{
    /// <summary>All <see cref="FleetOptions.MessagesPerNode"/> × nodes messages, lazily; <c>.Take(n)</c> for the first n.</summary>
    /// <exception cref="ArgumentException">The options cannot produce a run (<see cref="FleetOptions.Validate"/>).</exception>
    public static IEnumerable<ScriptedMessage> Messages(FleetOptions options, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Enumerate(options, start);
    }

    private static IEnumerable<ScriptedMessage> Enumerate(FleetOptions options, DateTimeOffset start)
    {
        // Made per enumeration: the composer keeps stuck runs, so a second pass must start afresh.
        var nodes = NodeIdentity.Layout(options);
        var composer = new MessageComposer(options, nodes);
        for (var seq = 1L; seq <= options.MessagesPerNode; seq++)
        {
            var time = start + ((seq - 1) * options.Interval);
            foreach (var node in nodes)
            {
                yield return new ScriptedMessage(node, seq, time, composer.Compose(node, seq, time));
            }
        }
    }
}
